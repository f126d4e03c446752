// Text fields with a maxlength (templates/macros/forms.html, char_count): the browser cuts a
// longer paste without a word, so each such field counts what it holds against its limit and
// says so when a paste did not fit. A text area shows its count always, a one-line field once
// it is nearly full. The words come translated in the counter's data-count and data-cut.
(function () {
  "use strict";
  var NEARLY_FULL = 0.8;

  // What a paste of `text` would add: a one-line field drops line breaks, a text area keeps
  // them as one character each (the browser counts "\r\n" as "\n" against maxlength).
  function pasted(field, text) {
    return field.tagName === "TEXTAREA" ? text.replace(/\r\n?/g, "\n") : text.replace(/[\r\n]/g, "");
  }

  function selected(field) {
    try {
      return (field.selectionEnd || 0) - (field.selectionStart || 0);
    } catch (error) {   // fields without a text selection (type=email in some browsers)
      return 0;
    }
  }

  function watch(counter) {
    var field = document.getElementById(counter.getAttribute("data-for"));
    var max = field ? parseInt(field.getAttribute("maxlength"), 10) : NaN;
    if (!(max > 0)) { return; }
    var always = field.tagName === "TEXTAREA";
    var warning = document.createElement("div");
    warning.className = "form-text text-danger char-count-cut";
    warning.id = counter.id + "-cut";
    warning.setAttribute("role", "status");
    counter.parentNode.insertBefore(warning, counter.nextSibling);

    // The warning describes the field while it has something to say.
    function warn(text) {
      warning.textContent = text;
      var ids = (field.getAttribute("aria-describedby") || "").split(" ").filter(function (id) {
        return id && id !== warning.id;
      });
      if (text) { ids.push(warning.id); }
      field.setAttribute("aria-describedby", ids.join(" "));
    }

    function update() {
      var count = field.value.length;
      counter.textContent = counter.getAttribute("data-count").replace("{count}", count);
      counter.classList.toggle("text-danger", count >= max);
      counter.hidden = !always && count < max * NEARLY_FULL;
    }

    field.addEventListener("paste", function (event) {
      var data = event.clipboardData || window.clipboardData;
      var text = data ? pasted(field, data.getData("text") || "") : "";
      var room = max - field.value.length + selected(field);
      var cut = text.length - room;
      warn(cut > 0 ? counter.getAttribute("data-cut").replace("{cut}", cut) : "");
    });
    field.addEventListener("input", update);
    update();
  }

  Array.prototype.forEach.call(document.querySelectorAll(".char-count[data-for]"), watch);
})();
