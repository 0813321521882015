/*
 * Bar and line charts from data already in the page, drawn with the vendored Chart.js.
 *
 * Markup (no inline script, for the content security policy):
 *   <div class="engage-chart" data-chart-data='{"type": "bar" | "line", "stacked": true,
 *        "labels": [...], "series": [{"label": "...", "data": [...]}, ...]}'><canvas></canvas></div>
 *   (in Jinja: data-chart-data='{{ data | tojson }}', single-quoted), or, to chart a table that
 *   is on the page anyway:
 *   <div class="engage-chart" data-chart-table="ID-OF-TABLE" data-chart-type="line"><canvas></canvas></div>
 *   (the first column gives the labels, each further numeric column a series, named by its header).
 *
 * Every chart must also be given as a table: the figures stay readable without JavaScript.
 */
(function () {
  "use strict";

  var COLOURS = ["#005eb8", "#ffb81c", "#007f3b", "#d5281b", "#330072", "#ae2573", "#00a499",
    "#425563", "#ed8b00", "#768692"];

  function fromJson(text) {
    try { return JSON.parse(text); } catch (e) { return null; }
  }

  function number(text) {
    var value = parseFloat(String(text).replace(/[,%\s]/g, ""));
    return isNaN(value) ? null : value;
  }

  function fromTable(id, type) {
    var table = document.getElementById(id);
    if (!table) { return null; }
    var headers = Array.prototype.map.call(table.querySelectorAll("thead th"), function (th) {
      return th.textContent.trim();
    });
    var rows = table.querySelectorAll("tbody tr");
    var labels = [];
    var series = headers.slice(1).map(function (h) { return { label: h, data: [] }; });
    Array.prototype.forEach.call(rows, function (tr) {
      var cells = tr.querySelectorAll("th, td");
      labels.push(cells[0].textContent.trim());
      series.forEach(function (s, i) { s.data.push(cells[i + 1] ? number(cells[i + 1].textContent) : null); });
    });
    return { type: type || "bar", labels: labels, series: series };
  }

  function draw(holder) {
    var spec = holder.dataset.chartData ? fromJson(holder.dataset.chartData)
      : fromTable(holder.dataset.chartTable, holder.dataset.chartType);
    var canvas = holder.querySelector("canvas");
    if (!spec || !canvas || typeof window.Chart === "undefined") { return; }
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var type = spec.type === "line" ? "line" : "bar";
    new window.Chart(canvas, {
      type: type,
      data: {
        labels: spec.labels,
        datasets: spec.series.map(function (s, i) {
          var colour = COLOURS[i % COLOURS.length];
          return { label: s.label, data: s.data, backgroundColor: colour, borderColor: colour,
            fill: false, tension: 0.2 };
        })
      },
      options: {
        responsive: true,
        maintainAspectRatio: false,
        animation: still ? false : undefined,
        plugins: { legend: { position: "bottom" } },
        scales: {
          x: { stacked: !!spec.stacked },
          y: { stacked: !!spec.stacked, beginAtZero: true, ticks: { precision: 0 } }
        }
      }
    });
  }

  function init() {
    Array.prototype.forEach.call(document.querySelectorAll("[data-chart-data], [data-chart-table]"), draw);
  }

  // Chart.js does not redraw for print by itself; drawn at the screen's width, a chart would
  // be scaled down on paper with its labels too small to read. Before printing, each chart is
  // redrawn at about the width of an A4 page (sharper, as paper has more dots per pixel), and
  // back at its screen size after.
  var PRINT_WIDTH = 680;
  var PRINT_HEIGHT = 170;

  function charts() {
    var all = window.Chart && window.Chart.instances;
    return all ? Object.keys(all).map(function (key) { return all[key]; }) : [];
  }

  window.addEventListener("beforeprint", function () {
    charts().forEach(function (chart) {
      chart.options.devicePixelRatio = 3;
      chart.resize(PRINT_WIDTH, PRINT_HEIGHT);
    });
  });

  window.addEventListener("afterprint", function () {
    charts().forEach(function (chart) {
      chart.options.devicePixelRatio = undefined;
      chart.resize();
    });
  });

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
