// Telephony at the desk: click-to-call on a ticket, the operator's queue controls, the live
// queue panel of the wallboard. Each part acts only on a page that has its elements.
"use strict";
(() => {
  const { t, api, toast } = OneStop;

  // --- click-to-call on a ticket ---------------------------------------------------------
  const box = document.getElementById("telephony");
  if (box) {
    for (const button of box.querySelectorAll("button.tel-call")) {
      button.addEventListener("click", async () => {
        button.disabled = true;
        const body = { target: button.dataset.target };
        if (button.dataset.staff) body.staff_code = button.dataset.staff;
        try {
          await api("POST", `/api/tickets/${box.dataset.ticket}/call`, body);
          toast(t("tel.calling"));
        } catch (err) {
          toast(errorText(err), true);
        } finally {
          setTimeout(() => { button.disabled = false; }, 3000);
        }
      });
    }
  }

  // A pause reason's name; a reason set outside the desk (a phone's own code) as it is.
  function pauseName(code) {
    const name = t("tel.pause." + code);
    return name === "tel.pause." + code ? code : name;
  }

  // An API error carries {code, message}: show the message (already in the user's words).
  function errorText(err) {
    try {
      const detail = JSON.parse(err.message);
      return detail.message || detail.code || err.message;
    } catch (e) {
      return err.message;
    }
  }
  // --- the operator's queue controls on the desk --------------------------------------------
  const controls = document.getElementById("queue-controls");
  if (controls) {
    const state = document.getElementById("queue-state");
    const why = document.getElementById("queue-reason");
    const select = document.getElementById("queue-pause-reason");
    const show = (me) => {
      controls.hidden = false;
      controls.dataset.state = me.state;
      state.textContent = t("tel.state." + me.state);
      why.textContent = me.paused && me.reason ? "(" + pauseName(me.reason) + ")" : "";
      if (!select.options.length) {
        for (const r of me.reasons) select.append(OneStop.el("option", { value: r.code }, r.name));
      }
    };
    const load = async () => {
      try { show(await api("GET", "/api/queue/me")); } catch (e) { /* not a queue member: stays hidden */ }
    };
    for (const button of controls.querySelectorAll("button[data-queue]")) {
      button.addEventListener("click", async () => {
        const action = button.dataset.queue;
        const body = action === "pause" ? { reason: select.value } : {};
        button.disabled = true;
        try {
          await api("POST", "/api/queue/" + action, body);
          setTimeout(load, 300);  // the PBX's event updates the state a moment later
        } catch (err) {
          toast(errorText(err), true);
        } finally {
          button.disabled = false;
        }
      });
    }
    load();
    setInterval(load, 10000);
  }

  // --- the operators' time on the statistics page --------------------------------------------
  const opTime = document.getElementById("operator-time");
  if (opTime) {
    const minutes = (s) => (s / 60).toFixed(1);
    (async () => {
      const q = new URLSearchParams({ first: opTime.dataset.first, last: opTime.dataset.last });
      const data = await api("GET", "/api/stats/operators?" + q);
      const body = opTime.querySelector("tbody");
      if (!data.rows.length) return;
      body.replaceChildren(...data.rows.map((r) => {
        const pauses = r.pauses.map((p) => p.name + " " + minutes(p.seconds)).join(", ");
        return OneStop.el("tr", {}, OneStop.el("td", {}, r.name), OneStop.el("td", {}, r.calls),
          OneStop.el("td", {}, minutes(r.talk_s)), OneStop.el("td", {}, minutes(r.wrapup_s)),
          OneStop.el("td", { title: pauses }, minutes(r.pause_s)));
      }));
    })().catch((err) => toast(errorText(err), true));
  }

  // --- the wallboard's queue panel ------------------------------------------------------------
  const panel = document.getElementById("queue-panel");
  if (panel) {
    const $ = (id) => document.getElementById(id);
    const pct = (x) => (x === null || x === undefined ? "—" : Math.round(x * 100) + "%");
    const num = (x) => (x === null || x === undefined ? "—" : String(x));
    const apply = (d) => {
      if ("service_level" in d) $("q-sl").textContent = pct(d.service_level);
      if ("abandon_rate" in d) $("q-abandon").textContent = pct(d.abandon_rate);
      if ("answered_today" in d) $("q-answered").textContent = num(d.answered_today);
      if ("offered_today" in d) $("q-offered").textContent = num(d.offered_today);
      if ("logged_in" in d) $("q-logged-in").textContent = num(d.logged_in);
      if ("available" in d) $("q-available").textContent = num(d.available);
    };
    const showOps = (ops) => {
      $("q-operators").replaceChildren(...ops.map((op) => OneStop.el("li", { class: "qop qop-" + op.state },
        op.member + " · " + op.state_name + (op.reason_name ? " (" + op.reason_name + ")" : ""))));
    };
    const load = async () => {
      try {
        const d = await api("GET", "/api/queue");
        apply(d);
        showOps(d.operators);
      } catch (e) { /* the next poll tries again */ }
    };
    // The wallboard's own event stream carries the same keys: follow it once it is open.
    window.addEventListener("load", () => {
      if (window.__live) window.__live.addEventListener("wallboard", (ev) => {
        try {
          const d = JSON.parse(ev.data || "{}");
          apply(d);
          if (d.operators) load();
        } catch (e) { /* not for us */ }
      });
    });
    load();
    setInterval(load, 5000);
  }

  window.OneStopTelephony = { errorText };
})();
