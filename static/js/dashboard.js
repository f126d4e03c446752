// Draws the dashboard charts from the numbers in the tables beside them (data-* attributes),
// so that the tables stay the source of truth and the page works without JavaScript.
(function () {
  "use strict";
  if (typeof Chart === "undefined") { return; }
  var SERIES = {
    weekly: [["requests", "新申请", "#0d6efd"], ["done", "办结事项", "#198754"]],
    stages: [["count", "未办结环节", "#6f42c1"]],
    workload: [["openSteps", "未办结环节", "#0d6efd"], ["yellow", "临近到期", "#ffc107"],
               ["red", "超期", "#dc3545"]]
  };
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
          return { label: s[1], backgroundColor: s[2], borderColor: s[2],
                   data: rows.map(function (row) { return Number(row.dataset[s[0]] || 0); }) };
        })
      },
      options: { animation: false, scales: { y: { beginAtZero: true, ticks: { precision: 0 } } } }
    });
  });
})();
