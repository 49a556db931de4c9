/* Draw dashboard charts and make tables sortable, fully offline.
 * Charts: every <div class="pasture-chart" data-chart="{ECharts option JSON}">.
 * Tables: every <table class="pasture-sortable"> (vendored tablesort). */
(function () {
  "use strict";

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
      // SVG keeps charts crisp when printed and lets tests inspect them.
      var chart = echarts.init(el, null, { renderer: "svg" });
      chart.setOption(option);
      el.setAttribute("data-drawn", "1");
      window.addEventListener("resize", function () { chart.resize(); });
    });
  }

  function sortTables(root) {
    if (typeof Tablesort === "undefined") { return; }
    root.querySelectorAll("table.pasture-sortable").forEach(function (table) {
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
