// Telephony at the desk: click-to-call on a ticket, the operator's queue controls, the
// operators' time on the statistics page. Each part acts only on a page that has its
// elements. (The wallboard's queue panel, with telephony's live figures, is wallboard.js's.)
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

  window.OneStopTelephony = { errorText };
})();
