"use strict";
// The wallboard (大屏): the ticket tiles are the server's fragment, reloaded when tickets
// change; the queue and service-level panels and the charts follow the `wallboard` events.
// The queue panel merges whatever queue keys an event carries (web/wallboard.py documents the
// contract): top-level keys from telephony (calls_waiting, longest_wait_s, operators…) and
// the `queue` object of the periodic figures alike. The clock is the server's, in the
// center's zone, so a wallboard PC with a wrong clock still shows the right time.
(() => {
  const { t, label, when, el, live, refresh, coalesce, ready, chart } = OneStop;
  const $ = (id) => document.getElementById(id);
  const data = JSON.parse($("wall-data").textContent);
  const queue = Object.assign({}, data.queue);
  const QUEUE_KEYS = ["calls_waiting", "longest_wait_s", "offered_today", "answered_today",
    "answered_in_sl_today", "abandoned_today", "sl_threshold_s", "service_level", "abandon_rate",
    "logged_in", "available", "operators"];
  const names = {}; // member or log-in → the name people know, from the server's lists
  for (const op of queue.operators || []) { if (op.login) names[op.login] = op.name; if (op.member) names[op.member] = op.name; }
  const refreshTickets = coalesce(() => refresh($("wall-tickets")), 200, 1000);

  function mark(node, value) {
    if (!node || node.textContent === value) return;
    node.textContent = value;
    const tile = node.closest(".tile");
    tile.classList.add("changed");
    setTimeout(() => tile.classList.remove("changed"), 1500);
  }
  function fmtWait(s) {
    s = Math.max(0, Math.round(Number(s) || 0));
    return s < 60 ? s + t("seconds_unit") : Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  // a rate or a count telephony may not know yet (null): a dash
  const pct = (x) => (x === null || x === undefined ? "—" : Math.round(x * 100) + "%");
  const num = (x) => (x === null || x === undefined ? "—" : String(x));
  // operators: the contract's list, or the CTI adapter's {member: {state, login…}}
  function operatorList(ops) {
    if (Array.isArray(ops)) return ops;
    return Object.entries(ops || {}).map(([member, op]) => {
      const o = typeof op === "object" && op ? op : { state: String(op) };
      return { member, login: o.login || "", name: names[o.login] || names[member] || member,
               state: String(o.state || "unknown").toLowerCase().replace(/[^a-z_]/g, "") };
    });
  }
  function showQueue() {
    mark($("calls-waiting"), String(queue.calls_waiting || 0));
    mark($("longest-wait"), fmtWait(queue.longest_wait_s));
    mark($("offered-today"), String(queue.offered_today || 0));
    mark($("answered-today"), String(queue.answered_today || 0));
    mark($("answered-sl"), String(queue.answered_in_sl_today || 0));
    mark($("abandoned-today"), String(queue.abandoned_today || 0));
    mark($("service-level"), pct(queue.service_level));
    mark($("abandon-rate"), pct(queue.abandon_rate));
    mark($("logged-in"), num(queue.logged_in));
    mark($("available"), num(queue.available));
    const ops = operatorList(queue.operators);
    for (const op of ops) if (op.name && op.member) names[op.member] = op.name;
    $("operators").replaceChildren(...(ops.length ? ops.map((op) => el("li", { class: "op op-" + op.state, dataset: { state: op.state, login: op.login || "" } },
      op.name || op.member, el("span", {}, label("opstate", op.state)))) : [el("li", { class: "muted" }, t("none"))]));
    chart($("sl-gauge"), { kind: "gauge", value: queue.service_level });
  }
  function showCharts(openByType, hourly) {
    if (openByType) {
      const keys = Object.keys(openByType).sort((a, b) => openByType[b] - openByType[a]);
      chart($("open-by-type"), { kind: "bar", horizontal: true, categories: keys.map((k) => label("svc", k)),
        series: [{ name: t("open_tickets"), data: keys.map((k) => openByType[k]) }] });
    }
    if (hourly) {
      chart($("today-hourly"), { kind: "bar", categories: hourly.hours.map((h) => String(h).padStart(2, "0") + ":00"),
        series: [{ name: t("today_created"), data: hourly.created }, { name: t("today_done"), data: hourly.done }] });
    }
  }
  function apply(d) {
    let changed = false;
    for (const k of QUEUE_KEYS) if (k in d) { queue[k] = d[k]; changed = true; }
    if (d.queue) { Object.assign(queue, d.queue); changed = true; }
    if (changed) showQueue();
    if (d.tickets) { refreshTickets(); showCharts(d.tickets.open_by_type, null); }
    if (d.hourly) showCharts(null, d.hourly);
  }
  live("/api/wallboard/events", {
    hello: (d) => apply(d.wallboard || {}),
    wallboard: apply,
    dropped: () => refreshTickets(),
  });
  showQueue();
  showCharts(data.open_by_type, data.hourly);
  // the server's clock, in the center's zone
  const clock = $("clock");
  const offset = new Date(clock.dataset.now).getTime() - Date.now();
  const tick = () => { clock.textContent = when(new Date(Date.now() + offset), "clock"); };
  tick(); setInterval(tick, 1000);
  window.__live.addEventListener("open", ready, { once: true });
})();
