"use strict";
(() => {
  const { el, live, refresh, debounce } = OneStop;
  const tickets = document.getElementById("wall-tickets");
  const waiting = document.getElementById("calls-waiting");
  const longest = document.getElementById("longest-wait");
  const ops = document.getElementById("operators");
  const clock = document.getElementById("clock");
  const refreshTickets = debounce(() => refresh(tickets), 200);

  function mark(node, value) {
    if (node.textContent === value) return;
    node.textContent = value;
    const tile = node.closest(".tile");
    tile.classList.add("changed");
    setTimeout(() => tile.classList.remove("changed"), 1500);
  }
  function fmtWait(s) {
    s = Math.max(0, Math.round(Number(s) || 0));
    return s < 60 ? s + "s" : Math.floor(s / 60) + ":" + String(s % 60).padStart(2, "0");
  }
  function showOperators(operators) {
    const items = Object.entries(operators).map(([name, op]) => {
      const state = typeof op === "object" && op ? (op.state || "") : String(op);
      return el("li", { class: "op op-" + state.toLowerCase().replace(/[^a-z_]/g, "") }, name + " ", el("span", {}, state));
    });
    ops.replaceChildren(...items);
  }
  function apply(data) {
    if ("calls_waiting" in data) mark(waiting, String(data.calls_waiting));
    if ("longest_wait_s" in data) mark(longest, fmtWait(data.longest_wait_s));
    if (data.operators && typeof data.operators === "object") showOperators(data.operators);
    if (data.tickets) refreshTickets();
  }
  live("/api/wallboard/events", {
    hello: (d) => apply(d.wallboard || {}),
    wallboard: apply,
    dropped: () => refreshTickets(),
  });
  longest.textContent = fmtWait(longest.dataset.s);
  const tick = () => { clock.textContent = new Date().toLocaleTimeString("zh-CN", { hour12: false }); };
  tick(); setInterval(tick, 1000);
})();
