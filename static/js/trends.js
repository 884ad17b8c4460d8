// Trends page: fetches the chart's payload from the trends-data endpoint (the
// page preloads it; the evidence overlay's brackets come with the page, through
// json_script), draws the chart, loads a table's rows when its box is opened, and
// saves the symptom toggles as soon as they change. The page works without this
// script: the summaries are on the page and each table is a page of its own.
//
// window.LDNTrends.buildAnnotations(payload, options) builds the annotation
// plugin's options (LDN start line, crash spans, evidence-overlay brackets) so
// other scripts can reuse or extend them.
(function () {
  "use strict";

  var DAY_MS = 24 * 60 * 60 * 1000;
  var HALF_DAY_MS = DAY_MS / 2;
  var PALETTE_SIZE = 8;
  // Filled shapes only (thin crosses and stars read as noise at small sizes).
  var POINT_STYLES = ["circle", "triangle", "rect", "rectRot"];
  // Above this many points per series, skip animation (and it is calm anyway).
  var LARGE_SERIES = 120;
  // Scores run 0-10. Above 10 the chart keeps a band for the side-effect
  // markers, and above that one for the LDN start label, so neither hides data.
  var SIDE_EFFECT_Y = 10.6;

  function readJSON(id) {
    var element = document.getElementById(id);
    if (!element) {
      return null;
    }
    try {
      return JSON.parse(element.textContent);
    } catch (error) {
      return null;
    }
  }

  var strings = readJSON("trends-strings") || {};

  function text(key, params) {
    var template = strings[key] || key;
    return template.replace(/%\((\w+)\)s/g, function (match, name) {
      return params && params[name] !== undefined ? String(params[name]) : "";
    });
  }

  // ISO date "2026-01-31" -> local midnight in ms, the way the date adapter
  // formats dates, so a point never shifts to the day before.
  function toMs(iso) {
    var parts = iso.split("-");
    return new Date(+parts[0], +parts[1] - 1, +parts[2]).getTime();
  }

  function cssVar(name, fallback) {
    var value = getComputedStyle(document.documentElement).getPropertyValue(name);
    value = value ? value.trim() : "";
    return value || fallback;
  }

  function withAlpha(color, alpha) {
    var hex = /^#([0-9a-f]{6})$/i.exec(color);
    if (hex) {
      var n = parseInt(hex[1], 16);
      return "rgba(" + (n >> 16) + "," + ((n >> 8) & 255) + "," + (n & 255) + "," + alpha + ")";
    }
    var rgb = /^rgba?\(([^,]+),([^,]+),([^,)]+)/.exec(color.replace(/\s+/g, ""));
    if (rgb) {
      return "rgba(" + rgb[1] + "," + rgb[2] + "," + rgb[3] + "," + alpha + ")";
    }
    return color;
  }

  // Colours come from CSS variables (static/css/trends.css), so dark mode and any
  // future theme only change the stylesheet.
  function readColors() {
    var palette = [];
    for (var i = 0; i < PALETTE_SIZE; i += 1) {
      palette.push(cssVar("--series-" + i, "#0072b2"));
    }
    return {
      palette: palette,
      text: cssVar("--text", "#23272b"),
      muted: cssVar("--muted", "#5b636b"),
      surface: cssVar("--surface", "#ffffff"),
      grid: cssVar("--trend-grid", "rgba(0,0,0,0.08)"),
      ldn: cssVar("--trend-ldn", "#2f6f6a"),
      ldnText: cssVar("--trend-ldn-text", "#ffffff"),
      dose: cssVar("--trend-dose", "#5b636b"),
      crashFill: cssVar("--trend-crash-fill", "rgba(162,58,50,0.12)"),
      crashBorder: cssVar("--trend-crash-border", "rgba(162,58,50,0.35)"),
      sideEffect: cssVar("--trend-side-effect", "#3d4349"),
      overlayFill: cssVar("--trend-overlay-fill", "rgba(29,95,191,0.07)"),
      overlayBorder: cssVar("--trend-overlay-border", "#1d5fbf"),
    };
  }

  function buildAnnotations(payload, options) {
    var opts = options || {};
    var colors = opts.colors || readColors();
    var annotations = {};
    var rangeStart = toMs(payload.range.start) - HALF_DAY_MS;
    var rangeEnd = toMs(payload.range.end) + HALF_DAY_MS;

    (payload.crashes || []).forEach(function (crash, index) {
      var start = Math.max(toMs(crash.start) - HALF_DAY_MS, rangeStart);
      var end = crash.end ? toMs(crash.end) + HALF_DAY_MS : rangeEnd;
      end = Math.min(end, rangeEnd);
      if (end <= start) {
        return;
      }
      annotations["crash" + index] = {
        type: "box",
        drawTime: "beforeDatasetsDraw",
        xMin: start,
        xMax: end,
        backgroundColor: colors.crashFill,
        borderColor: colors.crashBorder,
        borderWidth: 1,
      };
    });

    if (opts.showOverlay) {
      (payload.overlay || []).forEach(function (bracket, index) {
        var xMin = Math.max(toMs(bracket.start) - HALF_DAY_MS, rangeStart);
        var xMax = Math.min(toMs(bracket.end) + HALF_DAY_MS, rangeEnd);
        if (xMax <= xMin) {
          return;  // entirely outside the range on screen
        }
        annotations["overlay" + index] = {
          type: "box",
          drawTime: "beforeDatasetsDraw",
          xMin: xMin,
          xMax: xMax,
          yMin: 0,
          yMax: 10,
          backgroundColor: colors.overlayFill,
          borderColor: colors.overlayBorder,
          borderWidth: 1.5,
          borderDash: [5, 4],
          label: {
            display: true,
            content: bracket.label,
            position: { x: "start", y: "end" },
            yAdjust: -6 - index * 22,
            color: colors.text,
            backgroundColor: withAlpha(colors.surface, 0.85),
            font: { size: 12 },
            padding: 3,
          },
        };
      });
    }

    if (payload.ldn_start) {
      var ldn = toMs(payload.ldn_start);
      if (ldn >= rangeStart && ldn <= rangeEnd) {
        annotations.ldnStart = {
          type: "line",
          xMin: ldn,
          xMax: ldn,
          borderColor: colors.ldn,
          borderWidth: 2,
          borderDash: [6, 4],
          label: {
            display: true,
            content: text("ldnStart"),
            position: "end",
            backgroundColor: colors.ldn,
            color: colors.ldnText,
            font: { size: 13, weight: "600" },
            padding: { x: 6, y: 3 },
          },
        };
      }
    }
    return { annotations: annotations };
  }

  // The dose history as a step line: each dose holds until the next change; a
  // pause or stop ends the line until the next dose.
  function doseData(payload) {
    var data = [];
    var last = null;
    var rangeStart = toMs(payload.range.start);
    var rangeEnd = toMs(payload.range.end);
    (payload.dose_steps || []).forEach(function (step) {
      var x = Math.max(toMs(step.date), rangeStart);
      if (step.dose_mg === null) {
        if (last !== null) {
          data.push({ x: x, y: last, step: null });
        }
        data.push({ x: x + 1, y: null, step: step });
      } else {
        data.push({ x: x, y: step.dose_mg, step: step });
      }
      last = step.dose_mg;
    });
    if (last !== null && data.length && data[data.length - 1].x < rangeEnd) {
      data.push({ x: rangeEnd + HALF_DAY_MS, y: last, step: null });
    }
    return data;
  }

  function buildDatasets(payload, colors) {
    var daily = payload.resolution === "day";
    var datasets = [];
    var shownCount = payload.series.filter(function (series) {
      return series.shown;
    }).length;
    var busy = shownCount > 3;
    payload.series.forEach(function (series, index) {
      var color = colors.palette[index % PALETTE_SIZE];
      var points = series.points.map(function (p) {
        return { x: toMs(p.x), y: p.y, n: p.n, days: p.days || 1, xEnd: p.x_end || null };
      });
      var large = points.length > LARGE_SERIES;
      datasets.push({
        label: series.name,
        role: daily ? "score" : "average",
        symptom: series.uuid,
        data: points,
        hidden: !series.shown,
        yAxisID: "y",
        showLine: !daily,
        spanGaps: false,
        borderColor: color,
        backgroundColor: daily ? withAlpha(color, busy ? 0.6 : 0.75) : color,
        borderWidth: daily ? 0 : 2.5,
        pointStyle: POINT_STYLES[index % POINT_STYLES.length],
        pointRadius: daily ? (large || busy ? 2.5 : 3.5) : 2.5,
        pointHoverRadius: 6,
        order: 2,
      });
      if (daily) {
        datasets.push({
          label: series.name,
          role: "rolling",
          symptom: series.uuid,
          data: series.rolling_mean.map(function (p) {
            return { x: toMs(p.x), y: p.y };
          }),
          hidden: !series.shown,
          yAxisID: "y",
          spanGaps: false,
          borderColor: color,
          backgroundColor: color,
          borderWidth: 3,
          pointRadius: 0,
          pointHoverRadius: 4,
          // Straight segments: nothing is drawn between days that was not
          // computed from real scores.
          tension: 0,
          order: 1,
        });
      }
    });

    var dose = doseData(payload);
    if (dose.length) {
      datasets.push({
        label: text("dose"),
        role: "dose",
        data: dose,
        yAxisID: "yDose",
        stepped: "before",
        spanGaps: false,
        borderColor: colors.dose,
        backgroundColor: colors.dose,
        borderWidth: 2.5,
        borderDash: [4, 3],
        pointRadius: 0,
        pointHoverRadius: 4,
        order: 3,
      });
    }

    if ((payload.side_effects || []).length) {
      datasets.push({
        label: text("sideEffects"),
        role: "side",
        data: payload.side_effects.map(function (marker) {
          return { x: toMs(marker.x), y: SIDE_EFFECT_Y, marker: marker };
        }),
        yAxisID: "y",
        showLine: false,
        borderColor: colors.sideEffect,
        backgroundColor: colors.sideEffect,
        pointStyle: "triangle",
        rotation: 180,
        pointRadius: 6,
        pointHoverRadius: 8,
        order: 0,
      });
    }
    return datasets;
  }

  function formatDay(chart, ms) {
    return chart.scales.x._adapter.format(ms, "EEE d MMM yyyy");
  }

  function tooltipTitle(items) {
    if (!items.length) {
      return "";
    }
    var raw = items[0].raw;
    var chart = items[0].chart;
    var startMs = raw.x;
    var endMs = null;
    if (raw.marker) {
      startMs = toMs(raw.marker.x);
      endMs = toMs(raw.marker.x_end);
    } else if (raw.xEnd) {
      endMs = toMs(raw.xEnd);
    }
    var title = formatDay(chart, startMs);
    if (endMs !== null && endMs !== startMs) {
      title += " – " + formatDay(chart, endMs);
    }
    return title;
  }

  function tooltipLabel(item) {
    var dataset = item.dataset;
    var raw = item.raw;
    if (raw.y === null || raw.y === undefined) {
      return null;
    }
    switch (dataset.role) {
      case "score":
        return text("score", { name: dataset.label, value: raw.y });
      case "rolling":
        return text("rolling", { name: dataset.label, value: raw.y.toFixed(1) });
      case "average":
        return text("average", {
          name: dataset.label,
          value: raw.y.toFixed(1),
          n: raw.n,
          days: raw.days,
        });
      case "dose":
        if (raw.step && !raw.step.before_range) {
          return text("doseStep", { dose: raw.y, reason: raw.step.reason_label });
        }
        return text("doseValue", { dose: raw.y });
      case "side":
        var lines = [text("sideEffects") + ":"];
        raw.marker.effects.forEach(function (effect) {
          lines.push(
            raw.marker.x === raw.marker.x_end
              ? text("sideEffect", { label: effect.label, severity: effect.severity_label })
              : text("sideEffectDays", {
                  label: effect.label,
                  days: effect.days,
                  severity: effect.severity_label,
                })
          );
        });
        return lines;
      default:
        return dataset.label;
    }
  }

  function buildOptions(payload, colors, state) {
    var hasDose = (payload.dose_steps || []).length > 0;
    var maxDose = 0;
    (payload.dose_steps || []).forEach(function (step) {
      if (step.dose_mg !== null && step.dose_mg > maxDose) {
        maxDose = step.dose_mg;
      }
    });
    var longest = 0;
    payload.series.forEach(function (series) {
      longest = Math.max(longest, series.points.length);
    });
    var reduceMotion =
      window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    var hasSideEffects = (payload.side_effects || []).length > 0;
    var narrow = window.innerWidth < 480;
    var ldnShown =
      payload.ldn_start &&
      payload.ldn_start >= payload.range.start &&
      payload.ldn_start <= payload.range.end;
    var yMax = 10 + (hasSideEffects ? 0.9 : 0) + (ldnShown ? (narrow ? 1.6 : 1.1) : 0);

    return {
      responsive: true,
      maintainAspectRatio: false,
      parsing: false,
      normalized: true,
      animation: longest > LARGE_SERIES || reduceMotion ? false : { duration: 300 },
      interaction: { mode: "nearest", axis: "x", intersect: false },
      layout: { padding: { top: 4, right: 4 } },
      scales: {
        x: {
          type: "time",
          min: toMs(payload.range.start) - HALF_DAY_MS,
          max: toMs(payload.range.end) + HALF_DAY_MS,
          time: { minUnit: "day" },
          ticks: {
            color: colors.muted,
            maxRotation: 0,
            autoSkip: true,
            autoSkipPadding: narrow ? 16 : 24,
            font: { size: narrow ? 12 : 13 },
          },
          grid: { color: colors.grid },
          border: { color: colors.grid },
        },
        y: {
          min: 0,
          max: yMax,
          afterBuildTicks: function (axis) {
            axis.ticks = axis.ticks.filter(function (tick) {
              return tick.value <= 10;
            });
          },
          ticks: { stepSize: 2, color: colors.muted, font: { size: narrow ? 12 : 13 } },
          grid: { color: colors.grid },
          border: { color: colors.grid },
          title: {
            display: !narrow,
            text: text("scoreAxis"),
            color: colors.muted,
            font: { size: 13 },
          },
        },
        yDose: {
          display: hasDose,
          position: "right",
          min: 0,
          suggestedMax: maxDose ? Math.ceil(maxDose * 1.25) : 5,
          grid: { drawOnChartArea: false },
          border: { color: colors.grid },
          ticks: {
            color: colors.muted,
            font: { size: narrow ? 12 : 13 },
            maxTicksLimit: narrow ? 5 : 9,
          },
          title: {
            display: !narrow,
            text: text("doseAxis"),
            color: colors.muted,
            font: { size: narrow ? 12 : 13 },
          },
        },
      },
      plugins: {
        legend: { display: false },
        decimation: { enabled: false },
        tooltip: {
          backgroundColor: colors.surface,
          titleColor: colors.text,
          bodyColor: colors.text,
          borderColor: colors.grid,
          borderWidth: 1,
          padding: 10,
          titleFont: { size: 14 },
          bodyFont: { size: 14 },
          usePointStyle: true,
          callbacks: { title: tooltipTitle, label: tooltipLabel },
          filter: function (item) {
            return item.raw && item.raw.y !== null && item.raw.y !== undefined;
          },
        },
        annotation: buildAnnotations(payload, {
          colors: colors,
          showOverlay: state.showOverlay,
        }),
      },
    };
  }

  function applyChartDefaults(colors) {
    var Chart = window.Chart;
    Chart.defaults.color = colors.text;
    Chart.defaults.font.family = getComputedStyle(document.body).fontFamily;
    Chart.defaults.font.size = 13;
  }

  function setSymptomVisibility(uuid, shown, chart) {
    document.querySelectorAll("[data-symptom-uuid]").forEach(function (element) {
      if (element.getAttribute("data-symptom-uuid") === uuid) {
        element.hidden = !shown;
      }
    });
    if (chart) {
      chart.data.datasets.forEach(function (dataset) {
        if (dataset.symptom === uuid) {
          dataset.hidden = !shown;
        }
      });
      chart.update("none");
    }
  }

  function setupToggles(getChart) {
    var form = document.getElementById("trends-toggles");
    if (!form || !window.fetch || !window.FormData) {
      return;
    }
    var status = form.querySelector("[data-trends-status]");
    var saveButton = form.querySelector("[data-trends-save]");
    if (saveButton) {
      saveButton.hidden = true;
    }
    var pending = null;
    form.addEventListener("change", function (event) {
      var box = event.target;
      if (!box || box.name !== "shown") {
        return;
      }
      setSymptomVisibility(box.value, box.checked, getChart());
      if (status) {
        status.textContent = "";
      }
      var body = new FormData(form);
      var token = form.querySelector("input[name=csrfmiddlewaretoken]");
      var request = fetch(form.action, {
        method: "POST",
        body: body,
        credentials: "same-origin",
        headers: {
          Accept: "application/json",
          "X-CSRFToken": token ? token.value : "",
        },
      });
      pending = request;
      request
        .then(function (response) {
          if (!response.ok) {
            throw new Error("HTTP " + response.status);
          }
          if (status && pending === request) {
            status.textContent = text("saved");
          }
        })
        .catch(function () {
          if (status) {
            status.textContent = text("saveFailed");
          }
          if (saveButton) {
            saveButton.hidden = false;
          }
        });
    });
  }

  function draw(payload) {
    var figure = document.getElementById("trends-figure");
    var canvas = document.getElementById("trends-canvas");
    if (!figure || !canvas || !window.Chart) {
      return;
    }
    figure.hidden = false;
    var state = { showOverlay: false };
    var chart = null;

    function render() {
      var colors = readColors();
      applyChartDefaults(colors);
      if (chart) {
        chart.destroy();
      }
      chart = new window.Chart(canvas, {
        type: "line",
        data: { datasets: buildDatasets(payload, colors) },
        options: buildOptions(payload, colors, state),
      });
    }
    render();

    var overlayToggle = document.getElementById("trends-overlay-toggle");
    var overlayBox = document.getElementById("trends-show-overlay");
    if (overlayToggle && overlayBox && (payload.overlay || []).length) {
      overlayToggle.hidden = false;
      overlayBox.checked = state.showOverlay;
      overlayBox.addEventListener("change", function () {
        state.showOverlay = overlayBox.checked;
        chart.options.plugins.annotation = buildAnnotations(payload, {
          showOverlay: state.showOverlay,
        });
        chart.update("none");
      });
    }

    if (window.matchMedia) {
      var scheme = window.matchMedia("(prefers-color-scheme: dark)");
      var onSchemeChange = function () {
        render();
      };
      if (scheme.addEventListener) {
        scheme.addEventListener("change", onSchemeChange);
      } else if (scheme.addListener) {
        scheme.addListener(onSchemeChange);
      }
    }

    setupToggles(function () {
      return chart;
    });
    window.LDNTrends.chart = function () {
      return chart;
    };
    window.LDNTrends.payload = function () {
      return payload;
    };
  }

  function showLoadError() {
    var message = document.getElementById("trends-load-error");
    if (message) {
      message.textContent = text("loadFailed");
      message.hidden = false;
    }
  }

  window.LDNTrends = {
    buildAnnotations: buildAnnotations,
    toMs: toMs,
  };

  // Each table's box fetches its rows the first time it is opened; until then
  // (and if that fails) it holds a link to the table as a page of its own.
  function setupTables() {
    if (!window.fetch) {
      return;
    }
    document.querySelectorAll("details[data-table-url]").forEach(function (box) {
      var loading = null;
      box.addEventListener("toggle", function () {
        if (!box.open || loading) {
          return;
        }
        var slot = box.querySelector("[data-table-slot]");
        loading = fetch(box.getAttribute("data-table-url"), {
          credentials: "same-origin",
          headers: { Accept: "text/html" },
        })
          .then(function (response) {
            if (!response.ok) {
              throw new Error("HTTP " + response.status);
            }
            return response.text();
          })
          .then(function (html) {
            if (slot) {
              // Server-rendered and escaped by Django's templates.
              slot.innerHTML = html;
            }
          })
          .catch(function () {
            loading = null;  // the link stays; opening again retries
          });
      });
    });
  }

  function start() {
    setupTables();
    var figure = document.getElementById("trends-figure");
    var url = figure && figure.getAttribute("data-url");
    if (!url || !window.fetch) {
      return;
    }
    // No extra headers: the request must match the page's preload to reuse it.
    fetch(url, { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) {
          throw new Error("HTTP " + response.status);
        }
        return response.json();
      })
      .then(function (payload) {
        payload.overlay = readJSON("trends-overlay") || [];
        draw(payload);
      })
      .catch(showLoadError);
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
