/* Draw dashboard charts and make tables sortable, fully offline.
 * Charts: every <div class="pasture-chart" data-chart="{ECharts option JSON}">; before
 * drawing, every category label is kept (rotated when they do not fit side by side) and
 * value labels and tooltips get thousands separators, and a % sign on a percent axis.
 * Tables: every <table data-pasture-sort> (vendored tablesort). */
(function () {
  "use strict";

  var CHAR_PX = 13;  // width of one CJK character at the axis font size

  function fmt(value) {
    if (Array.isArray(value)) { value = value[value.length - 1]; }
    return typeof value === "number" ? value.toLocaleString("zh-CN", { maximumFractionDigits: 2 }) : value;
  }

  function asList(x) { return x === undefined ? [] : (Array.isArray(x) ? x : [x]); }

  // "%" when the value axis is a percent axis (its labels read "{value}%"), else "".
  function unitOf(option) {
    return asList(option.yAxis).some(function (a) {
      return a.axisLabel && a.axisLabel.formatter === "{value}%";
    }) ? "%" : "";
  }

  // Every category label shown; upright bars with labels too wide for their slot tilt them.
  function readable(option, width) {
    var rotated = false;
    asList(option.xAxis).forEach(function (axis) {
      if (axis.type !== "category") { return; }
      axis.axisLabel = axis.axisLabel || {};
      if (axis.axisLabel.interval === undefined) { axis.axisLabel.interval = 0; }
      axis.axisLabel.hideOverlap = false;
      var labels = axis.data || [];
      var longest = labels.reduce(function (m, l) { return Math.max(m, String(l).length); }, 0);
      if (labels.length && width / labels.length < longest * CHAR_PX + 6) {
        axis.axisLabel.rotate = 45;
        rotated = true;
      }
    });
    asList(option.yAxis).forEach(function (axis) {
      if (axis.type === "category") {
        axis.axisLabel = axis.axisLabel || {};
        if (axis.axisLabel.interval === undefined) { axis.axisLabel.interval = 0; }
      } else if (!(axis.axisLabel && axis.axisLabel.formatter)) {
        axis.axisLabel = axis.axisLabel || {};
        axis.axisLabel.formatter = fmt;
      }
    });
    if (!option.grid) {
      // Room below for the legend or the axis name, right for a target line's label.
      var named = asList(option.xAxis).some(function (a) { return a.name; });
      var marked = asList(option.series).some(function (s) { return s.markLine; });
      option.grid = { left: 8, right: marked ? 36 : 16, top: 48, bottom: option.legend || named ? 40 : 8,
                      containLabel: true };
    } else if (rotated) {
      option.grid.containLabel = true;
    }
    var unit = unitOf(option);
    if (option.tooltip && !option.tooltip.valueFormatter) {
      option.tooltip.valueFormatter = function (v) { return v === null || v === undefined || v === "-" ? "—" : fmt(v) + unit; };
    }
    asList(option.series).forEach(function (s) {
      if (s.type === "pie") {
        // Name, count and a rounded share on every slice; on a phone a smaller ring leaves
        // room for the labels, which wrap rather than being cut off.
        s.label = s.label || {};
        s.label.show = true;
        s.label.overflow = "break";
        s.label.formatter = function (p) { return p.name + "\n" + fmt(p.value) + " · " + Math.round(p.percent) + "%"; };
        if (width < 480) { s.radius = ["22%", "42%"]; }
      } else if (s.label && s.label.show && !s.label.formatter) {
        s.label.formatter = function (p) { return fmt(p.value) + unit; };
      }
      if (s.markLine && unit) {
        // The target line's label reads like the points: 30%.
        s.markLine.label = s.markLine.label || {};
        if (!s.markLine.label.formatter) { s.markLine.label.formatter = function (p) { return fmt(p.value) + unit; }; }
      }
    });
    return option;
  }

  function drawCharts(root) {
    if (typeof echarts === "undefined") { return; }
    root.querySelectorAll(".pasture-chart").forEach(function (el) {
      if (el.getAttribute("data-drawn")) { return; }
      var option;
      try {
        option = JSON.parse(el.getAttribute("data-chart"));
      } catch (e) {
        el.textContent = "图表数据无法读取";
        return;
      }
      option.animation = false;
      readable(option, el.clientWidth || 320);
      // SVG keeps charts crisp when printed and lets tests inspect them.
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function sortTables(root) {
    if (typeof Tablesort === "undefined") { return; }
    root.querySelectorAll("table[data-pasture-sort]").forEach(function (table) {
      if (!table.getAttribute("data-sortable")) {
        new Tablesort(table);
        table.setAttribute("data-sortable", "1");
      }
    });
  }

  function init() {
    drawCharts(document);
    sortTables(document);
  }

  if (typeof document$ !== "undefined" && document$.subscribe) {
    document$.subscribe(init);  // mkdocs-material instant navigation
  } else if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
