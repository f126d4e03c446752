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

  // The canvas must be sized in device pixels, or strokes land away from the pen.
  function resize() {
    var ratio = Math.max(window.devicePixelRatio || 1, 1);
    var strokes = pad.toData();
    canvas.width = canvas.offsetWidth * ratio;
    canvas.height = canvas.offsetHeight * ratio;
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
