// Draws the coordinators' charts with Chart.js (vendored, see VENDORED.md). Each chart's
// data sits in a <script type="application/json"> next to its canvas, written by the
// server from the same table the page shows and the CSV holds; without JavaScript the
// table is still there. No inline script, so the console's CSP stays 'self' only.
(function () {
  "use strict";
  var COLOURS = ["#b42318", "#dc6803", "#1570ef", "#12b76a", "#7a5af8", "#667085"];

  function draw(canvas) {
    var source = document.getElementById(canvas.getAttribute("data-chart"));
    if (!source || !window.Chart) { return; }
    var data = JSON.parse(source.textContent);
    var percent = data.percent;
    new window.Chart(canvas, {
      type: data.kind,
      data: {
        labels: data.labels,
        datasets: data.series.map(function (s, i) {
          return {
            label: s.name,
            data: s.values.map(function (v) { return v === null ? null : (percent ? v * 100 : v); }),
            backgroundColor: COLOURS[i % COLOURS.length],
            borderColor: COLOURS[i % COLOURS.length],
            spanGaps: true,
            tension: 0.2
          };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: false,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { stacked: data.stacked },
          y: { stacked: data.stacked, beginAtZero: true,
               ticks: { callback: function (v) { return percent ? v + "%" : v; } } }
        }
      }
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    document.querySelectorAll("canvas[data-chart]").forEach(draw);
  });
})();
