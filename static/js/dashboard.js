// Draws the dashboard charts from the numbers in the tables beside them (data-* attributes),
// so that the tables stay the source of truth and the page works without JavaScript.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  // [row data key, colour]; each series' name comes, translated, from the canvas's
  // data-label-<key> attribute (data-label-open-steps for openSteps).
  var SERIES = {
    weekly: [["requests", "#0d6efd"], ["done", "#198754"]],
    stages: [["count", "#6f42c1"]],
    workload: [["openSteps", "#0d6efd"], ["yellow", "#ffc107"], ["red", "#dc3545"]]
  };
  function seriesName(canvas, key) {
    return canvas.dataset["label" + key.charAt(0).toUpperCase() + key.slice(1)] || key;
  }
  document.querySelectorAll("canvas.dashboard-chart").forEach(function (canvas) {
    var table = document.getElementById(canvas.dataset.source);
    var series = SERIES[canvas.dataset.kind];
    if (!table || !series) { return; }
    var rows = Array.prototype.slice.call(table.querySelectorAll("tbody tr"));
    new Chart(canvas, {
      type: canvas.dataset.kind === "weekly" ? "line" : "bar",
      data: {
        labels: rows.map(function (row) { return row.dataset.label; }),
        datasets: series.map(function (s) {
          return { label: seriesName(canvas, s[0]), backgroundColor: s[1], borderColor: s[1],
                   data: rows.map(function (row) { return Number(row.dataset[s[0]] || 0); }) };
        })
      },
      options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  });
})();
