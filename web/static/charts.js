// Charts with Apache ECharts (/static/vendor/echarts.min.js, installed from npm by make:
// nothing comes from a CDN). Load echarts.min.js, then this file.
//
// For pages added later — draw a chart from data the server rendered:
//   <div class="chart" role="img" aria-label="…" data-chart='{{ spec|tojson }}'></div>
// Every [data-chart] on the page is drawn on load; OneStop.chart(el, spec) draws or redraws one
// (a live page calls it again with new figures). A spec:
//   {kind: "bar" | "line" | "gauge",
//    categories: ["维修", …],            // bar/line: the axis of names, hours, days…
//    series: [{name, data: [n|null, …], axis: 0|1, max}],  // axis 1: a second value axis
//    horizontal: true,                    // bars along the value axis (long names read well)
//    unit: "%", max: 100,                 // the value axis
//    value: 0.87}                         // gauge: a fraction 0..1, shown as a whole percentage
// Words come from the server (spec names are already translated); the chart's own words
// (tooltips, the accessible description) follow the page's language. The wallboard's dark
// theme is chosen by <body class="wall">. Charts resize with their box.
"use strict";
(() => {
  const wall = document.body.classList.contains("wall");
  const ink = wall ? "#d6e4f2" : "#3c4651";
  const grid = wall ? "#25425e" : "#e3e8ee";
  const palette = wall ? ["#64b5f6", "#81c784", "#ffb74d", "#ce93d8", "#4dd0e1"]
    : ["#1458a8", "#2e7d32", "#c25e00", "#7b1fa2", "#00838f"];
  const charts = (window.__charts = window.__charts || []);

  function base(el) {
    const size = parseFloat(getComputedStyle(el).fontSize) || 13;
    return {
      color: palette, animation: !wall,
      textStyle: { color: ink, fontFamily: getComputedStyle(document.body).fontFamily, fontSize: size },
      aria: { enabled: true, label: { description: el.dataset.described || "" } },
      legend: { top: 0, textStyle: { color: ink, fontSize: size }, itemWidth: size, itemHeight: size * 0.7 },
      tooltip: { trigger: "axis", confine: true },
      grid: { left: 8, right: 16, top: size * 2.6, bottom: 8, containLabel: true },
    };
  }

  function empty(spec) {
    const all = (spec.series || []).flatMap((s) => s.data || []);
    return spec.kind !== "gauge" && !all.some((v) => v !== null && v !== undefined && v !== 0);
  }

  function option(el, spec) {
    const o = base(el);
    const size = o.textStyle.fontSize;
    if (spec.kind === "gauge") {
      // whole percents, rounded half up as the figures beside it (wallboard.html, wallboard.js)
      const pct = spec.value === null || spec.value === undefined ? null : Math.round(spec.value * 100);
      return Object.assign(o, {
        tooltip: { show: false }, legend: { show: false },
        series: [{
          type: "gauge", min: 0, max: 100, radius: "95%", center: ["50%", "58%"], startAngle: 200, endAngle: -20,
          progress: { show: true, width: size * 0.9 }, axisLine: { lineStyle: { width: size * 0.9, color: [[1, grid]] } },
          axisTick: { show: false }, splitLine: { show: false }, pointer: { show: false },
          axisLabel: { show: false }, anchor: { show: false }, title: { show: false },
          detail: { valueAnimation: false, fontSize: size * 2.4, color: ink, offsetCenter: [0, "0%"],
                    formatter: () => (pct === null ? "—" : pct + "%") },
          data: [{ value: pct === null ? 0 : pct, name: spec.name || "" }],
        }],
      });
    }
    const valueAxis = (i, max) => ({
      type: "value", max: max, splitLine: { lineStyle: { color: grid } }, axisLabel: { color: ink,
        formatter: spec.unit === "%" && i === 0 ? "{value}%" : "{value}" }, minInterval: max === 5 ? 1 : undefined,
    });
    const catAxis = {
      type: "category", data: spec.categories, inverse: !!spec.horizontal,
      axisLabel: { color: ink, width: spec.horizontal ? size * 9 : undefined, overflow: "truncate", hideOverlap: true },
      axisLine: { lineStyle: { color: grid } }, axisTick: { show: false },
    };
    const second = (spec.series || []).some((s) => s.axis === 1);
    const values = [valueAxis(0, spec.max)];
    if (second) values.push(Object.assign(valueAxis(1, (spec.series.find((s) => s.axis === 1) || {}).max), { splitLine: { show: false } }));
    o.series = (spec.series || []).map((s) => ({
      name: s.name, type: spec.kind === "line" ? "line" : "bar",
      data: (s.data || []).map((v) => (v === null || v === undefined ? "-" : v)),  // "-": no value (never NaN)
      yAxisIndex: spec.horizontal ? undefined : (s.axis || 0), xAxisIndex: spec.horizontal ? 0 : undefined,
      symbolSize: spec.kind === "line" ? size * 0.4 : undefined, connectNulls: true,
      lineStyle: s.axis === 1 ? { type: "dashed" } : undefined, barMaxWidth: size * 1.6,
    }));
    if (spec.horizontal) { o.xAxis = values[0]; o.yAxis = catAxis; } else { o.xAxis = catAxis; o.yAxis = values; }
    if (empty(spec)) {
      o.graphic = [{ type: "text", left: "center", top: "middle",
                     style: { text: OneStop.t("chart_empty"), fill: ink, fontSize: size * 1.2 } }];
    }
    return o;
  }

  // The chart's accessible name: the page's own label and, per series, its largest value
  // (ECharts' generated description reads empty values as "NaN").
  function describe(el, spec) {
    if (!el.dataset.title) el.dataset.title = el.getAttribute("aria-label") || "";
    const parts = (spec.series || []).map((s) => {
      const values = (s.data || []).filter((v) => typeof v === "number");
      return values.length ? s.name + " " + Math.max(...values) : "";
    }).filter(Boolean);
    if (spec.kind === "gauge" && typeof spec.value === "number") parts.push(Math.round(spec.value * 100) + "%");
    el.dataset.described = [el.dataset.title, ...parts].join(OneStop.t("list_sep"));
  }

  function chart(el, spec) {
    describe(el, spec);
    let entry = charts.find((c) => c.el === el);
    if (!entry) {
      const instance = echarts.init(el, null, { renderer: "canvas", locale: OneStop.lang === "en" ? "EN" : "ZH" });
      entry = { el, chart: instance, spec };
      charts.push(entry);
      new ResizeObserver(() => instance.resize()).observe(el);
    }
    entry.spec = spec;
    entry.chart.setOption(option(el, spec), true);
    return entry.chart;
  }

  for (const el of document.querySelectorAll("[data-chart]")) {
    try { chart(el, JSON.parse(el.dataset.chart)); } catch (e) { console.error("chart", e); }
  }
  OneStop.chart = chart;
  if (!document.body.classList.contains("desk")) OneStop.ready();
})();
