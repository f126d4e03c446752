// The sign page: a hand-drawn signature on a canvas (signature_pad), posted as a PNG data URL
// in the hidden "signature" field; or a typed name. Without JavaScript only typing works.
(function () {
  "use strict";
  var form = document.getElementById("sign-form");
  if (!form || typeof SignaturePad === "undefined") { return; }
  var canvas = form.querySelector(".signature-canvas");
  var hidden = form.querySelector("input[name='signature']");
  var drawnBox = document.getElementById("drawn-box");
  var typedBox = document.getElementById("typed-box");
  var error = document.getElementById("signature-error-js");
  var nameInput = form.querySelector("input[name='signer_name']");
  var preview = document.getElementById("typed-preview");
  var pad = new SignaturePad(canvas, { minWidth: 1, maxWidth: 3, penColor: "#111" });

  // The canvas must be sized in device pixels, or strokes land away from the pen. When the
  // pad changes size (a phone turned, a window narrowed) the strokes are scaled with it:
  // kept at their old coordinates, whatever lay past the new edge would be cut off. The
  // scale is reckoned from the pad's first size, so that narrowing and widening again gives
  // the signature back at its drawn size; it never grows past that (the pad's height is fixed).
  var firstSize = null, scale = 1;
  function resize() {
    var width = canvas.offsetWidth, height = canvas.offsetHeight;
    if (!width || !height) { return; }   // hidden (typed signature chosen): nothing to size
    firstSize = firstSize || { width: width, height: height };
    var next = Math.min(width / firstSize.width, height / firstSize.height, 1);
    var strokes = pad.toData();
    strokes.forEach(function (stroke) {
      stroke.points.forEach(function (point) {
        point.x *= next / scale;
        point.y *= next / scale;
      });
    });
    scale = next;
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    canvas.width = width * ratio;
    canvas.height = height * ratio;
    canvas.getContext("2d").scale(ratio, ratio);
    pad.clear();
    pad.fromData(strokes);
  }

  function method() {
    var checked = form.querySelector("input[name='method']:checked");
    return checked ? checked.value : "drawn";
  }

  function showMethod() {
    var drawn = method() === "drawn";
    drawnBox.classList.toggle("d-none", !drawn);
    typedBox.classList.toggle("d-none", drawn);
    if (drawn) { resize(); }
  }

  function updatePreview() { preview.textContent = nameInput.value; }

  form.querySelectorAll("input[name='method']").forEach(function (radio) {
    radio.addEventListener("change", showMethod);
  });
  document.getElementById("signature-clear").addEventListener("click", function () {
    pad.clear();
    hidden.value = "";
  });
  nameInput.addEventListener("input", updatePreview);
  window.addEventListener("resize", resize);
  form.addEventListener("submit", function (event) {
    if (method() !== "drawn") { hidden.value = ""; return; }
    if (pad.isEmpty()) {
      event.preventDefault();
      error.classList.remove("d-none");
      canvas.focus();
      return;
    }
    error.classList.add("d-none");
    hidden.value = pad.toDataURL("image/png");
  });
  showMethod();
  updatePreview();
}());
