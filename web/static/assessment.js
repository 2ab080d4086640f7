// 考核 pages: the forms of the steps (assess, complaint steps, handover, campaigns, opt-out)
// sent as JSON, the ECharts charts drawn from data the server put in data-chart attributes,
// and the owner's notices kept live. Texts come from the page's catalog (OneStop.t).
"use strict";
(() => {
  const { t, el, api, toast } = OneStop;

  // --- forms -------------------------------------------------------------------------------
  function kindOf(form) {
    const kind = form.querySelector('select[name="kind"]');
    return kind ? kind.value : null;
  }

  function payload(form) {
    const out = {};
    const kind = kindOf(form);
    for (const field of form.elements) {
      if (!field.name || field.disabled) continue;
      if (field.dataset.kind && kind !== null && field.dataset.kind !== kind) continue;
      if (field.type === "checkbox") {
        out[field.name] = out[field.name] || [];
        if (field.checked) out[field.name].push(field.value);
      } else if (field.multiple) {
        out[field.name] = [...field.selectedOptions].map((o) => o.value);
      } else if (field.dataset.list !== undefined) {
        out[field.name] = field.value.split(/[;；,，]/).map((s) => s.trim()).filter(Boolean);
      } else if (field.dataset.int) {
        out[field.name] = Number(field.value || 0);
      } else {
        out[field.name] = field.value;
      }
    }
    return out;
  }

  function showKind(form) {
    const kind = kindOf(form);
    for (const label of form.querySelectorAll(".target-code")) label.hidden = label.dataset.kind !== kind;
  }

  for (const form of document.querySelectorAll("form[data-api]")) {
    if (form.classList.contains("target-form")) {
      showKind(form);
      form.querySelector('select[name="kind"]').addEventListener("change", () => showKind(form));
    }
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const button = form.querySelector('button[type="submit"]');
      if (button) button.disabled = true;
      try {
        const result = await api("POST", form.dataset.api, payload(form));
        toast(form.dataset.done || t("saved"));
        if (form.dataset.go && result && result.campaign) location.href = form.dataset.go + result.campaign.id;
        else setTimeout(() => location.reload(), 600);
      } catch (err) {
        toast(err.message, true);
        if (button) button.disabled = false;
      }
    });
  }

  // --- charts ------------------------------------------------------------------------------
  const PALETTE = ["#1f5f8b", "#e07b39", "#4e9a5b", "#9b59b6", "#c0392b", "#16a085"];
  const GRADE_COLOURS = { excellent: "#2e7d32", good: "#1f5f8b", fair: "#e0a030", poor: "#c0392b" };

  function options(kind, data, box) {
    const base = { color: PALETTE, animation: false, tooltip: { trigger: "axis" },
                   grid: { left: 8, right: 24, top: 24, bottom: 8, containLabel: true } };
    if (kind === "top") {
      const rows = [...data].reverse();
      return { ...base, xAxis: { type: "value", min: 0, max: 100 },
               yAxis: { type: "category", data: rows.map((r) => r.name) },
               series: [{ type: "bar", name: t("asmt_score"), data: rows.map((r) => r.score),
                          label: { show: true, position: "right" } }] };
    }
    if (kind === "grades") {
      return { ...base, tooltip: { trigger: "item" },
               series: [{ type: "pie", radius: ["35%", "65%"], label: { formatter: "{b} {c}" },
                          data: data.map((g) => ({ name: g.name, value: g.count,
                                                   itemStyle: { color: GRADE_COLOURS[g.grade] } })) }] };
    }
    if (kind === "trend") {
      const series = [{ type: "line", name: box.dataset.label, data: data.overall, lineStyle: { width: 3 } },
                      ...data.top.map((s) => ({ type: "line", name: s.name, data: s.scores, connectNulls: true }))];
      return { ...base, legend: { top: 0, type: "scroll" }, grid: { ...base.grid, top: 36 },
               xAxis: { type: "category", data: data.months }, yAxis: { type: "value", min: 0, max: 100 }, series };
    }
    if (kind === "scores") {
      const keys = ["1", "2", "3", "4", "5"];
      return { ...base, xAxis: { type: "category", data: keys }, yAxis: { type: "value", minInterval: 1 },
               series: [{ type: "bar", name: t("camp_answered"), data: keys.map((k) => data[k] || 0),
                          label: { show: true, position: "top" } }] };
    }
    if (kind === "days") {
      return { ...base, legend: { top: 0 }, grid: { ...base.grid, top: 36 },
               xAxis: { type: "category", data: data.map((d) => d.day) },
               yAxis: [{ type: "value", minInterval: 1 }, { type: "value", min: 1, max: 5 }],
               series: [{ type: "bar", name: t("camp_answered"), data: data.map((d) => d.answered) },
                        { type: "line", name: t("asmt_satisfaction"), yAxisIndex: 1,
                          data: data.map((d) => d.satisfaction) }] };
    }
    return null;
  }

  const charts = [];
  if (window.echarts) {
    for (const box of document.querySelectorAll("[data-chart-kind]")) {
      let data;
      try { data = JSON.parse(box.dataset.chart || "null"); } catch (e) { continue; }
      const empty = !data || (Array.isArray(data) && !data.length)
        || (data.months && !data.overall.some((v) => v !== null));
      if (empty) { box.append(el("p", { class: "muted" }, t("asmt_none"))); continue; }
      const chart = echarts.init(box, null, { renderer: "canvas" });
      chart.setOption(options(box.dataset.chartKind, data, box));
      charts.push(chart);
    }
    window.addEventListener("resize", () => charts.forEach((c) => c.resize()));
  }

  // --- the owner's notices -----------------------------------------------------------------
  const list = document.getElementById("notices");
  if (list) {
    let last = Number(list.dataset.last || 0);
    const HUMAN = new Set(["escalation", "handed_over", "reopened"]);
    async function poll() {
      let data;
      try { data = await api("GET", "/api/my-cases"); } catch (e) { return; }
      const fresh = data.notices.filter((n) => n.id > last).reverse();
      for (const n of fresh) {
        last = Math.max(last, n.id);
        list.querySelector(".muted") && list.querySelector(".muted").remove();
        list.prepend(el("li", { class: "notice n-" + n.kind }, el("time", {}, n.at_local), " ",
          el("a", { href: "/desk/tickets/" + n.ticket_id }, "#" + n.ticket_id), " ",
          el("b", {}, t("notice_" + n.kind)), HUMAN.has(n.kind) && n.note ? " — " + n.note : ""));
        toast(t("mine_new_notice") + ": #" + n.ticket_id + " " + t("notice_" + n.kind));
      }
    }
    setInterval(poll, 20000);
    window.addEventListener("focus", poll);  // back at the desk: look at once
  }
})();
