/*
 * Bar, line and forest charts from data already in the page, drawn with the vendored Chart.js.
 *
 * Markup (no inline script, for the content security policy):
 *   <div class="engage-chart" data-chart-data='{"type": "bar" | "line", "stacked": true,
 *        "labels": [...], "series": [{"label": "...", "data": [...]}, ...]}'><canvas></canvas></div>
 *   (in Jinja: data-chart-data='{{ data | tojson }}', single-quoted), or, to chart a table that
 *   is on the page anyway:
 *   <div class="engage-chart" data-chart-table="ID-OF-TABLE" data-chart-type="line"><canvas></canvas></div>
 *   (the first column gives the labels, each further numeric column a series, named by its header).
 *
 * Optional keys: "axes": {"x": "...", "y": "..."} (axis titles), "unit" ("%"), "max",
 * "decimals": true (no whole-number ticks), a series' "counts" (written beside each point) and
 * "hollow" (true marks a point resting on few answers), "band": {"label", "low", "high"} (an
 * interval drawn as a shaded band), "marker": {"index", "label"} (a dashed line at a label).
 * "type": "forest" draws one channel's ratios by lag: "estimates", "intervals" ([low, high] or
 * null), "texts" (tooltips), "reference": {"value": 1, "label"}, "log", "min", "max", "ticks".
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

  // Dashed lines across the plot: "no difference" at a ratio of 1, the month of first
  // engagement. Options: { lines: [{ axis: "x", value: 1, label: "No difference" }] }.
  var LINES = {
    id: "engageLines",
    afterDatasetsDraw: function (chart, args, options) {
      var ctx = chart.ctx;
      var area = chart.chartArea;
      (options.lines || []).forEach(function (line) {
        var scale = chart.scales[line.axis];
        if (!scale || line.value === null || line.value === undefined) { return; }
        var x = scale.getPixelForValue(line.value);
        ctx.save();
        ctx.strokeStyle = "#212b32";
        ctx.lineWidth = 1.5;
        ctx.setLineDash([6, 4]);
        ctx.beginPath();
        ctx.moveTo(x, area.top);
        ctx.lineTo(x, area.bottom);
        ctx.stroke();
        ctx.setLineDash([]);
        ctx.fillStyle = "#212b32";
        ctx.font = "14px Frutiger W01, Arial, sans-serif";
        ctx.textAlign = x > area.right - 120 ? "right" : (x < area.left + 60 ? "left" : "center");
        ctx.textBaseline = "bottom";
        ctx.fillText(line.label, x, area.top - 4);
        ctx.restore();
      });
    }
  };

  // How many answers each point rests on, written beside it (a series' "counts").
  var COUNTS = {
    id: "engageCounts",
    afterDatasetsDraw: function (chart) {
      var ctx = chart.ctx;
      chart.data.datasets.forEach(function (set, i) {
        if (!set.engageCounts || !chart.isDatasetVisible(i)) { return; }
        chart.getDatasetMeta(i).data.forEach(function (point, j) {
          var count = set.engageCounts[j];
          if (count === null || count === undefined || point.skip) { return; }
          ctx.save();
          ctx.fillStyle = "#212b32";
          ctx.font = "12px Frutiger W01, Arial, sans-serif";
          ctx.textAlign = "left";
          ctx.textBaseline = "bottom";
          ctx.fillText(String(count), point.x + 6, point.y - 4);
          ctx.restore();
        });
      });
    }
  };

  function axisTitle(text) {
    return text ? { display: true, text: text, color: "#212b32", font: { size: 14 } } : undefined;
  }

  function base(spec, still) {
    return {
      responsive: true,
      maintainAspectRatio: false,
      animation: still ? false : undefined,
      layout: { padding: { top: 22 } },  // room for a dashed line's label above the plot
      plugins: { legend: { position: "bottom" }, engageLines: { lines: [] } }
    };
  }

  // One channel's ratios at each lag: a diamond for the estimate, a bar for its interval,
  // on a log scale (halving and doubling equally far from 1) with the line of no difference.
  function forest(spec, options) {
    options.indexAxis = "y";
    options.plugins.legend.labels = { usePointStyle: true };
    options.plugins.engageLines.lines = [{ axis: "x", value: spec.reference.value,
      label: spec.reference.label }];
    options.plugins.tooltip = { callbacks: { label: function (item) {
      return spec.texts[item.dataIndex];
    } } };
    options.scales = {
      x: { type: spec.log ? "logarithmic" : "linear", min: spec.min, max: spec.max,
        title: axisTitle(spec.axes.x),
        afterBuildTicks: function (axis) {
          if (spec.ticks && spec.ticks.length) {
            axis.ticks = spec.ticks.map(function (v) { return { value: v }; });
          }
        },
        ticks: { callback: function (value) { return String(value); } } },
      y: { title: axisTitle(spec.axes.y) }
    };
    return {
      type: "bar",
      data: { labels: spec.labels, datasets: [
        { type: "line", label: spec.series[0].label, data: spec.estimates, indexAxis: "y",
          showLine: false, pointStyle: "rectRot", pointRadius: 7, pointHoverRadius: 8,
          backgroundColor: COLOURS[0], borderColor: COLOURS[0], order: 1 },
        { type: "bar", label: spec.series[1].label, data: spec.intervals, indexAxis: "y",
          backgroundColor: "#9cc2e8", borderColor: COLOURS[0], borderWidth: 1,
          barPercentage: 0.35, order: 2, pointStyle: "rect" }
      ] },
      options: options
    };
  }

  function lineOrBar(spec, options) {
    var type = spec.type === "line" ? "line" : "bar";
    var axes = spec.axes || {};
    var unit = spec.unit || "";
    var datasets = spec.series.map(function (s, i) {
      var colour = COLOURS[i % COLOURS.length];
      var set = { label: s.label, data: s.data, backgroundColor: colour, borderColor: colour,
        fill: false, tension: 0 };
      if (s.hollow) {
        // Hollow points rest on few answers: the page says so beside the chart.
        set.pointBackgroundColor = s.hollow.map(function (h) { return h ? "#ffffff" : colour; });
        set.pointRadius = 5;
        set.pointBorderWidth = 2;
      }
      if (s.counts) { set.engageCounts = s.counts; }
      if (type === "line") { set.clip = 10; }  // a point at the axis's end is drawn whole
      return set;
    });
    if (spec.band) {
      // The interval as a shaded band: its upper edge filled down to its lower edge.
      datasets.push({ label: spec.band.label + " (lower edge)", data: spec.band.low,
        borderWidth: 0, pointRadius: 0, pointHitRadius: 0, fill: false, tension: 0,
        engageHidden: true });
      datasets.push({ label: spec.band.label, data: spec.band.high, borderWidth: 0,
        pointRadius: 0, pointHitRadius: 0, fill: "-1", tension: 0,
        backgroundColor: "rgba(0, 94, 184, 0.18)", borderColor: "rgba(0, 94, 184, 0.18)" });
    }
    if (spec.marker && spec.marker.index !== null && spec.marker.index !== undefined) {
      options.plugins.engageLines.lines = [{ axis: "x", value: spec.marker.index,
        label: spec.marker.label }];
    }
    options.plugins.legend.labels = { filter: function (item, data) {
      return !data.datasets[item.datasetIndex].engageHidden;
    } };
    options.plugins.tooltip = { callbacks: { label: function (item) {
      var s = spec.series[item.datasetIndex];
      var text = item.dataset.label + ": " + item.formattedValue + unit;
      var count = s && s.counts ? s.counts[item.dataIndex] : null;
      return count === null || count === undefined ? text : text + " of " + count + " answers";
    } } };
    options.scales = {
      x: { stacked: !!spec.stacked, title: axisTitle(axes.x) },
      y: { stacked: !!spec.stacked, beginAtZero: true, max: spec.max,
        ticks: { precision: spec.decimals ? undefined : 0 }, title: axisTitle(axes.y) }
    };
    return { type: type, data: { labels: spec.labels, datasets: datasets }, options: options };
  }

  function draw(holder) {
    var spec = holder.dataset.chartData ? fromJson(holder.dataset.chartData)
      : fromTable(holder.dataset.chartTable, holder.dataset.chartType);
    var canvas = holder.querySelector("canvas");
    if (!spec || !canvas || typeof window.Chart === "undefined") { return; }
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var options = base(spec, still);
    var config = spec.type === "forest" ? forest(spec, options) : lineOrBar(spec, options);
    config.plugins = [LINES, COUNTS];
    new window.Chart(canvas, config);
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
