"use strict";
// Charts of the cost, meal and escort statistics: Apache ECharts (served from
// /static/vendor, installed from npm), fed by the JSON the server put in data-chart with the
// words already in the user's language. Without ECharts the tables below say it all.
(() => {
  if (!window.echarts) return;
  for (const box of document.querySelectorAll("[data-chart]")) {
    let spec;
    try { spec = JSON.parse(box.dataset.chart); } catch (e) { continue; }
    if (!spec.categories || !spec.categories.length) { box.hidden = true; continue; }
    const chart = window.echarts.init(box, null, { renderer: "svg" });
    const stacked = spec.kind === "stacked";
    chart.setOption({
      animation: false,
      tooltip: { trigger: "axis", axisPointer: { type: "shadow" } },
      legend: { top: 0 },
      grid: { left: 8, right: 16, top: 32, bottom: 8, containLabel: true },
      xAxis: { type: "value", name: spec.unit || "" },
      yAxis: { type: "category", inverse: true, data: spec.categories, axisLabel: { width: 140, overflow: "truncate" } },
      series: spec.series.map((s) => ({ name: s.name, type: "bar", stack: stacked ? "total" : undefined, data: s.data })),
    });
    window.addEventListener("resize", () => chart.resize());
  }
})();
