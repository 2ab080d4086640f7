"use strict";
// The operator desk, and the action bar of a ticket page. The list and a ticket's detail are
// rendered by the server (/desk/list, /desk/tickets/N/part: one place for words, names and
// times); this script swaps them in when things change and sends the actions.
(() => {
  const { t, label, when, el, api, toast, live, refresh, fill, coalesce, ready, titleTruncated } = OneStop;
  const $ = (id) => document.getElementById(id);
  const isDesk = document.body.classList.contains("desk");
  let lastPop = null;
  let selected = null;
  let shown = null; // { id, version } of the ticket in the detail pane
  let detailSeq = 0; // only the newest openDetail renders
  let focusWanted = null; // the ticket whose actions take the focus when its pane is shown

  // --- screen pop ------------------------------------------------------------------------
  function popFacts(p) {
    const ctx = p.context || p;
    const loc = ctx.location || {};
    const tickets = [...(ctx.caller_tickets || []), ...(ctx.location_tickets || [])];
    const seen = new Set();
    return {
      uniqueid: p.uniqueid || p.linkedid || "",
      number: p.caller_num || p.number || ctx.number || "",
      person: ctx.person || p.caller_name || "",
      department: ctx.department || "",
      org_code: ctx.org_code || "",
      location_code: loc.code || p.location_code || "",
      location: [loc.building, loc.floor ? t("floor_fmt").replace("{n}", loc.floor) : "", loc.name || loc.room].filter(Boolean).join(" "),
      ivr: p.ivr_choice || p.service_type || "",
      vip: !!ctx.vip, repeat: !!(ctx.repeat_caller || p.repeat_caller),
      known: ctx.known !== false,
      tickets: tickets.filter((b) => !seen.has(b.id) && seen.add(b.id)),
    };
  }

  function showPop(p) {
    const f = popFacts(p);
    // The directory's answer for a call the operator already took: show it and fill only
    // the form's empty fields, never ring again or overwrite what was typed.
    const taken = lastPop && lastPop.uniqueid === f.uniqueid && $("pop").dataset.state === "taken";
    lastPop = f;
    $("pop").dataset.state = taken ? "taken" : "ringing";
    if (taken) fillForm(f, true);
    $("pop-idle").hidden = true;
    $("pop-body").hidden = false;
    $("pop-number").textContent = f.number || t("number_withheld"); // Asterisk had no caller ID
    $("pop-person").textContent = (f.person || "—") + (f.vip ? " · " + t("vip") : "");
    $("pop-department").textContent = f.department || "—";
    $("pop-location").textContent = (f.location_code + " " + f.location).trim() || "—";
    $("pop-ivr").textContent = f.ivr ? label("svc", f.ivr) : "—";
    const warn = $("pop-warning");
    warn.hidden = !(f.repeat || !f.known);
    warn.textContent = f.repeat ? t("repeat_caller") : t("unknown_caller");
    $("pop-recent").hidden = !f.tickets.length; // no heading over an empty list
    $("pop-tickets").replaceChildren(...f.tickets.map((b) => el("li", {},
      el("a", { href: "/desk/tickets/" + b.id }, "#" + b.id), " ",
      el("span", { class: "status st-" + b.status }, label("status", b.status)), " ",
      label("svc", b.service_type), " ", when(b.created_at), " ", (b.description || "").slice(0, 40))));
    window.__popShownAt = performance.now();
  }

  function fillForm(f, onlyEmpty) {
    const form = $("new-ticket");
    const set = (name, value) => {
      if (value === undefined || (onlyEmpty && (value === "" || form.elements[name].value))) return;
      form.elements[name].value = value;
    };
    set("reporter_phone", f.number);
    set("reporter_name", f.person);
    set("location_code", f.location_code);
    set("call_uniqueid", f.uniqueid);
    const types = [...form.elements.service_type.options].map((o) => o.value);
    if (!onlyEmpty && types.includes(f.ivr)) set("service_type", f.ivr);
  }

  function ticketFromPop() {
    if (!lastPop) return;
    fillForm(lastPop, false);
    showTypeFields().catch(() => {});
    $("pop").dataset.state = "taken";
    $("new-ticket").elements.description.focus();
  }

  // --- meal orders and cleaning tasks: their own fields in the new-ticket form -------------
  async function showTypeFields() {
    const type = $("new-ticket").elements.service_type.value;
    $("meal-fields").hidden = type !== "meals";
    $("cleaning-fields").hidden = type !== "cleaning";
    if (type !== "meals") return;
    const dishes = (await api("GET", "/api/menus")).filter((m) => m.open);
    const rows = dishes.length ? dishes.map((m) => el("tr", {},
      el("td", { class: "cut", title: label("meal", m.meal) }, label("meal", m.meal)),
      el("td", { class: "cut", title: m.name }, (OneStop.lang === "en" && m.name_en ? m.name_en : m.name) + (m.diet !== "regular" ? "（" + label("diet", m.diet) + "）" : "")),
      el("td", { class: "time" }, "¥" + m.price),
      el("td", {}, el("input", { type: "number", min: 0, max: 50, value: 0, class: "qty", "aria-label": t("qty"),
        dataset: { code: m.code, meal: m.meal } }))))
      : [el("tr", {}, el("td", { class: "muted" }, t("no_dishes")))];
    $("menu-table").tBodies[0].replaceChildren(...rows);
  }

  function typeDetails(type) {
    if (type === "meals") {
      const items = [...document.querySelectorAll("#menu-table input.qty")]
        .filter((i) => Number(i.value) > 0).map((i) => ({ code: i.dataset.code, qty: Number(i.value) }));
      if (!items.length) return {}; // the call first, the dishes later: dispatch waits for them
      return { meal: { items, delivery_time: $("meal-delivery").value || "" } };
    }
    if (type === "cleaning") return { cleaning: { kind: $("cleaning-kind").value, area: $("cleaning-area").value } };
    return {};
  }

  async function createTicket(ev) {
    ev.preventDefault();
    const form = $("new-ticket");
    const body = Object.fromEntries(new FormData(form).entries());
    body.source = body.call_uniqueid ? "phone" : "desk";
    body.details = typeDetails(body.service_type);
    try {
      const tk = await api("POST", "/api/tickets", body, { minimal: true });
      form.reset();
      $("cleaning-area").value = "";
      showTypeFields().catch(() => {});
      toast(t("ticket") + " #" + tk.id + " · " + t("saved"));
      await reloadList();
      // The new ticket's actions take the focus, so D dispatches it at once.
      await openDetail(tk.id, true);
    } catch (e) { toast(e.message, true); }
  }

  // --- the list: the server's fragment, with the filters and page the desk shows ------------
  const listRegion = $("ticket-list");
  function listUrl(params) {
    const url = new URL(listRegion.dataset.live, location.origin);
    if (params) {
      url.search = "";
      for (const [k, v] of Object.entries(params)) if (v) url.searchParams.set(k, v);
    }
    return url.pathname + url.search;
  }
  function markSelected() {
    for (const tr of document.querySelectorAll("#ticket-table tbody tr")) tr.classList.toggle("selected", Number(tr.dataset.id) === selected);
    titleTruncated(listRegion);
  }
  function focusedRow() {
    const row = document.activeElement && document.activeElement.closest ? document.activeElement.closest("tr[data-id]") : null;
    return row ? row.dataset.id : null;
  }
  // The row that had the focus before the list was replaced has it again — unless the
  // operator has gone elsewhere meanwhile (typing a search while the list was on its way).
  function listShown(focusedId) {
    markSelected();
    const away = document.activeElement && document.activeElement !== document.body && !listRegion.contains(document.activeElement);
    if (focusedId && !away) { const row = listRegion.querySelector(`tr[data-id="${focusedId}"]`); if (row) row.focus(); }
  }
  // true when the list shown is the one asked for (false: its answer came for a list the
  // desk has left, and was dropped)
  async function reloadList(url) {
    if (!isDesk) return false;
    const focusedId = focusedRow();
    const shownNow = await refresh(listRegion, url || listUrl());
    if (shownNow) listShown(focusedId);
    return shownNow;
  }
  // The first page of open tickets comes on the live stream after every change (the server
  // renders it once for all desks); any other view or page asks for itself: 0.25–1 s after a
  // change (the desks spread out), one load at a time, at most one a second.
  const pushed = () => listRegion.dataset.live === "/desk/list";
  const reloadSoon = coalesce(() => reloadList(), 250, 1000, 750);
  function listPushed(page) {
    if (!pushed()) return;
    if (page.stale) { reloadSoon(); return; }
    if (listRegion.__etag && listRegion.__etag.tag === page.etag) return;
    const focusedId = focusedRow();
    fill(listRegion, page.html, page.etag);
    listShown(focusedId);
  }

  // --- detail pane and actions -------------------------------------------------------------
  // ``focusActions``: the pane's actions take the focus once shown — also when a newer load
  // of the same ticket (its own change's event, come while this one was on its way) shows it.
  async function openDetail(id, focusActions) {
    selected = id;
    const seq = ++detailSeq;
    if (focusActions) focusWanted = id; else if (focusWanted !== id) focusWanted = null;
    const pane = $("detail");
    const resp = await fetch("/desk/tickets/" + id + "/part", { credentials: "same-origin" });
    if (seq !== detailSeq) return; // a newer load of the pane is on its way
    if (!resp.ok) { toast(t("error") + " " + resp.status, true); return; }
    const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    // keep what the operator was typing in the action bar across a live re-render
    const note = $("action-note") && shown && shown.id === id ? $("action-note").value : "";
    // …and the focus, when it was in the pane (a newer version re-rendered under it)
    const had = shown && shown.id === id && pane.contains(document.activeElement) ? document.activeElement.id || "?" : "";
    pane.replaceChildren(...doc.body.childNodes);
    pane.hidden = false;
    $("desk-grid").classList.add("with-detail");
    const box = $("ticket-detail");
    shown = { id, version: Number(box.dataset.version) };
    if (note && $("action-note")) $("action-note").value = note;
    titleTruncated(pane);
    markSelected();
    const again = had && had !== "?" ? $(had) : null;
    if (focusWanted === id || (had && !again)) {
      focusWanted = null;
      const first = pane.querySelector("#actions button");
      if (first) first.focus(); else pane.querySelector("h2 a").focus();
    } else if (again) again.focus();
  }

  function closeDetail() {
    $("detail").hidden = true;
    $("desk-grid").classList.remove("with-detail");
    const row = selected && listRegion.querySelector(`tr[data-id="${selected}"]`);
    selected = shown = null;
    markSelected();
    if (row) row.focus();
  }

  // What each action sends (its API call is POST /api/tickets/N/<action>).
  function bodyFor(action) {
    const note = ($("action-note") || {}).value || "";
    switch (action) {
      case "dispatch": return { staff_codes: [...document.querySelectorAll("#suggest input:checked")].map((i) => i.value) };
      case "approve": return { by: note.slice(0, 50) };
      case "reject": return { note };
      case "complete": return { note };
      case "cancel": case "reopen": case "escalate": return { reason: note };
      case "merge": return { into_id: Number((($("merge-into") || {}).value || "").replace(/\D/g, "")) || 0, note };
      case "callback": return { score: Number($("callback-score").value), comment: note };
      case "assess": return { result: note || t("act:assess") };
      default: return undefined;
    }
  }

  async function runAction(button) {
    const box = button.closest("#actions");
    const id = Number(box.dataset.ticket);
    const action = button.dataset.action;
    button.disabled = true;
    try {
      await api("POST", "/api/tickets/" + id + "/" + action, bodyFor(action), { minimal: true });
      toast(t("act:" + action) + " · " + t("saved"));
      if (isDesk) { await openDetail(id, true); if (!pushed()) reloadSoon(); } else location.reload();
    } catch (e) {
      toast(e.message, true);
      button.disabled = false;
    }
  }

  document.addEventListener("click", (ev) => {
    const button = ev.target.closest("#actions button[data-action]");
    if (button) { ev.preventDefault(); runAction(button); }
    if (ev.target.closest("#close-detail")) closeDetail();
  });

  // --- wiring ----------------------------------------------------------------------------
  if (isDesk) {
    $("pop-to-ticket").addEventListener("click", ticketFromPop);
    $("new-ticket").addEventListener("submit", createTicket);
    $("new-ticket").elements.service_type.addEventListener("change", () => showTypeFields().catch((e) => toast(e.message, true)));
    $("list-filters").addEventListener("submit", (ev) => {
      ev.preventDefault();
      const params = Object.fromEntries(new FormData($("list-filters")).entries());
      if (params.view === "open") delete params.view;
      $("list-title").textContent = params.q ? t("search_results") : t("view:" + (params.view || "open"));
      reloadList(listUrl(params)).catch((e) => toast(e.message, true));
    });
    listRegion.addEventListener("click", (ev) => {
      const link = ev.target.closest(".pager a");
      if (link) {
        ev.preventDefault();
        const url = new URL(link.href);
        reloadList("/desk/list" + url.search).then((shownNow) => {
          const first = shownNow && listRegion.querySelector("tbody tr");
          if (first) first.focus();
        });
        return;
      }
      const tr = ev.target.closest("tr[data-id]");
      if (!tr || ev.target.closest("a")) return;
      openDetail(Number(tr.dataset.id)).catch((e) => toast(e.message, true));
    });
    live("/api/events?kinds=pop,ticket,list", {
      pop: showPop,
      list: listPushed,
      ticket: (tk) => {
        if (!pushed()) reloadSoon();
        // Re-render only for a newer version: the echo of the desk's own change must not
        // wipe the operator's worker choice and note while they work on it.
        const same = shown && shown.id === tk.id && shown.version === tk.version;
        if (selected === tk.id && !same) openDetail(tk.id).catch(() => {});
      },
      dropped: () => { toast(t("missed")); reloadSoon(); },
    });
    window.__live.addEventListener("open", ready, { once: true });
    // The stream came back after a break (the browser reconnects by itself): what changed
    // meanwhile came to nobody — ask for the list once (304 when nothing did).
    let opened = false;
    window.__live.addEventListener("open", () => { if (opened) reloadSoon(); opened = true; });
    markSelected();
    document.addEventListener("keydown", (ev) => {
      const typing = ev.target.matches("input, textarea, select");
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.closest("#new-ticket")) {
        ev.preventDefault(); $("new-ticket").requestSubmit(); return;
      }
      if (ev.key === "Escape") {
        if (!$("detail").hidden) { ev.preventDefault(); closeDetail(); } else if (ev.target.blur) ev.target.blur();
        return;
      }
      if (typing) return;
      if (ev.key === "Enter" && lastPop && $("pop").dataset.state === "ringing") { ev.preventDefault(); ticketFromPop(); }
      else if (ev.key === "Enter" && ev.target.matches("tr[data-id]")) { ev.preventDefault(); openDetail(Number(ev.target.dataset.id), true); }
      else if (ev.key === "ArrowDown" && ev.target.matches("tr[data-id]")) { ev.preventDefault(); (ev.target.nextElementSibling || ev.target).focus(); }
      else if (ev.key === "ArrowUp" && ev.target.matches("tr[data-id]")) { ev.preventDefault(); (ev.target.previousElementSibling || ev.target).focus(); }
      else if (ev.key === "/") { ev.preventDefault(); $("search-q").focus(); }
      else if (ev.key === "n" || ev.key === "N") { ev.preventDefault(); $("new-ticket").elements.service_type.focus(); }
      else if ((ev.key === "d" || ev.key === "D") && $("act-dispatch") && !$("detail").hidden) { ev.preventDefault(); $("act-dispatch").click(); }
    });
  } else {
    titleTruncated();
    ready();
  }
})();
