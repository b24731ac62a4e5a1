// The track's questions: show a follow-up question only while the answer it depends on is
// given, as the server decides on save (applications.questions.visible_codes). Without this
// script every question the stored answers show is there, and the page is right after saving.
(function () {
  "use strict";

  // The values chosen or typed in the inputs named ``name`` (radios, checkboxes, selects).
  function valuesOf(form, name) {
    var values = [];
    form.querySelectorAll('[name="' + name + '"]').forEach(function (input) {
      if (input.type === "radio" || input.type === "checkbox") {
        if (input.checked) { values.push(input.value); }
      } else if (input.value) {
        values.push(input.value.trim());
      }
    });
    return values;
  }

  function update(form) {
    var followUps = form.querySelectorAll("[data-show-if]");
    // Repeat until nothing changes: a follow-up may depend on another follow-up.
    for (var pass = 0; pass <= followUps.length; pass += 1) {
      var changed = false;
      followUps.forEach(function (item) {
        var name = item.getAttribute("data-show-if");
        var controller = form.querySelector('[data-question="' + name + '"]');
        var shown = Boolean(controller) && !controller.hidden &&
          valuesOf(form, name).indexOf(item.getAttribute("data-show-value")) !== -1;
        if (item.hidden === shown) { item.hidden = !shown; changed = true; }
      });
      if (!changed) { break; }
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("form[data-questions]").forEach(function (form) {
      update(form);
      form.addEventListener("change", function () { update(form); });
    });
  });
})();
