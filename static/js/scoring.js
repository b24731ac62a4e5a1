// The scoring form's running total, updated as the reviewer types. The server renders the same
// total on page load (reviews.forms.ScoreForm.running_total) and decides what is saved; this
// only repeats its formula: 100 · Σ(points · weight) / Σ(max · weight), to 0.01, where a blank
// or unreadable entry, or one above the criterion's maximum, counts 0. Loaded as a file (no
// inline script: the CSP forbids it).
(function () {
  "use strict";

  function number(text) {
    var value = parseFloat(String(text || "").trim().replace(",", "."));
    return isFinite(value) && value > 0 ? value : 0;
  }

  function bind(form) {
    var output = form.querySelector("[data-score-total]");
    var inputs = form.querySelectorAll("input[data-score-points]");
    if (!output || !inputs.length) { return; }

    function update() {
      var numerator = 0;
      var denominator = 0;
      inputs.forEach(function (input) {
        var weight = number(input.dataset.weight) || 1;
        var max = number(input.getAttribute("max"));
        var points = number(input.value);
        numerator += (points <= max ? points : 0) * weight;
        denominator += max * weight;
      });
      var total = denominator ? Math.round((numerator * 100 / denominator) * 100) / 100 : 0;
      output.textContent = String(total);
    }

    inputs.forEach(function (input) { input.addEventListener("input", update); });
    update();
  }

  function start() {
    document.querySelectorAll("form[data-score-form]").forEach(bind);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
