"use strict";
// The operator desk (and the actions bar of a ticket page).
(() => {
  const { t, el, api, toast, live, debounce, shortTime } = OneStop;
  const $ = (id) => document.getElementById(id);
  const isDesk = document.body.classList.contains("desk");
  let lastPop = null;
  let selected = null;
  let shown = null; // { id, version } of the ticket in the detail pane
  let detailSeq = 0; // only the newest openDetail renders

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
      location: [loc.building, loc.floor ? loc.floor + "F" : "", loc.room, loc.name].filter(Boolean).join(" "),
      ivr: p.ivr_choice || p.service_type || "",
      vip: !!ctx.vip, repeat: !!(ctx.repeat_caller || p.repeat_caller),
      known: ctx.known !== false,
      warning: ctx.warning || "",
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
    $("pop-number").textContent = f.number || "—";
    $("pop-person").textContent = f.person + (f.vip ? " · " + t("vip") : "");
    $("pop-department").textContent = f.department;
    $("pop-location").textContent = (f.location_code + " " + f.location).trim();
    $("pop-ivr").textContent = f.ivr ? t("svc:" + f.ivr) : "";
    const warn = $("pop-warning");
    warn.hidden = !(f.repeat || !f.known);
    warn.textContent = f.repeat ? t("repeat_caller") : t("unknown_caller");
    $("pop-tickets").replaceChildren(...f.tickets.map((b) => el("li", {},
      el("a", { href: "/desk/tickets/" + b.id }, "#" + b.id), " ",
      el("span", { class: "status st-" + b.status }, b.status), " ", t("svc:" + b.service_type), " ",
      b.location_code, " ", (b.description || "").slice(0, 40))));
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
      el("td", {}, t("meal:" + m.meal)), el("td", {}, m.name + (m.diet !== "regular" ? " (" + m.diet + ")" : "")),
      el("td", {}, "¥" + m.price),
      el("td", {}, el("input", { type: "number", min: 0, max: 50, value: 0, class: "qty", dataset: { code: m.code, meal: m.meal } }))))
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
      const tk = await api("POST", "/api/tickets", body);
      form.reset();
      $("cleaning-area").value = "";
      showTypeFields().catch(() => {});
      // Leave the form so the shortcuts (D: dispatch) work on the new ticket at once.
      if (form.contains(document.activeElement)) document.activeElement.blur();
      toast(t("ticket") + " #" + tk.id + " · " + t("saved"));
      await reloadList();
      openDetail(tk.id);
    } catch (e) { toast(e.message, true); }
  }

  // --- list and search -------------------------------------------------------------------
  function renderRows(rows) {
    const tbody = $("ticket-table").tBodies[0];
    if (!rows.length) {
      tbody.replaceChildren(el("tr", {}, el("td", { colspan: 8, class: "muted" }, t("none"))));
      return;
    }
    tbody.replaceChildren(...rows.map((r) => el("tr", {
      dataset: { id: r.id }, tabindex: 0,
      class: "prio-" + r.priority + (r.overdue ? " overdue" : "") + (selected === r.id ? " selected" : ""),
    },
      el("td", {}, el("a", { href: "/desk/tickets/" + r.id }, String(r.id))),
      el("td", {}, el("span", { class: "status st-" + r.status }, r.status_label)),
      el("td", {}, t("svc:" + r.service_type)), el("td", {}, r.location_code),
      el("td", {}, (r.reporter_name + " " + r.reporter_phone).trim()),
      el("td", { class: "desc" }, r.description), el("td", {}, r.assignee),
      el("td", { class: "time" }, shortTime(r.created_at)))));
  }

  let searching = "";
  let shownRows = []; // the search's pages loaded so far
  const PAGE = 50;
  function searchPage(offset) {
    // one more than a page: whether there is a next one
    return api("GET", "/api/tickets/search?q=" + encodeURIComponent(searching) +
      "&limit=" + (PAGE + 1) + "&offset=" + offset);
  }
  function showSearchRows(rows, offset) {
    shownRows = shownRows.slice(0, offset).concat(rows.slice(0, PAGE));
    renderRows(shownRows);
    $("search-more").hidden = rows.length <= PAGE;
  }
  async function reloadList() {
    if (!isDesk) return;
    if (searching) { showSearchRows(await searchPage(0), 0); return; }
    $("search-more").hidden = true;
    renderRows(await api("GET", "/api/tickets?limit=50"));
  }
  const reloadSoon = debounce(() => reloadList().catch(() => {}), 250);

  // --- detail pane and actions -----------------------------------------------------------
  async function openDetail(id) {
    selected = id;
    const seq = ++detailSeq;
    const tk = await api("GET", "/api/tickets/" + id);
    if (seq !== detailSeq) return; // a newer load of the pane is on its way
    shown = { id: tk.id, version: tk.version };
    const pane = $("detail");
    pane.hidden = false;
    const loc = tk.location ? [tk.location.building, tk.location.floor + "F", tk.location.room, tk.location.name].join(" ") : "";
    pane.replaceChildren(
      el("h2", {}, el("a", { href: "/desk/tickets/" + tk.id }, t("ticket") + " #" + tk.id), " ",
        el("span", { class: "status st-" + tk.status, id: "detail-status", dataset: { status: tk.status } }, tk.status_label),
        tk.overdue ? el("span", { class: "badge bad" }, t("overdue")) : null),
      el("dl", { class: "facts" },
        el("dt", {}, t("service_type")), el("dd", {}, tk.service_name + " · " + t(tk.priority)),
        el("dt", {}, t("location")), el("dd", {}, (tk.location_code + " " + loc).trim()),
        el("dt", {}, t("reporter")), el("dd", {}, (tk.reporter_name + " " + tk.reporter_phone).trim()),
        el("dt", {}, t("description")), el("dd", { class: "pre" }, tk.description),
        el("dt", {}, t("workers")), el("dd", {}, tk.workers.map(([c, st]) => (tk.worker_names[c] || c) + " (" + st + ")").join(", ") || "—"),
        ...orderFacts(tk)),
      ...photoStrip(tk),
      actionBar(tk, () => openDetail(id)),
      el("h3", {}, t("timeline")),
      el("ol", { class: "timeline" }, tk.timeline.map((e) => el("li", {},
        el("time", {}, shortTime(e.at)), " ", el("b", {}, e.action), " " + e.actor + (e.note ? " — " + e.note : "")))),
      el("h3", {}, t("sms")),
      el("ul", { class: "brief" }, tk.sms.map((m) => el("li", {}, m.staff_code + " ", el("span", { class: "sms sms-" + m.status }, m.status), " " + m.kind)),
        tk.replies.map((m) => el("li", {}, "↩ " + m.text + " (" + m.outcome + ")"))));
    for (const tr of document.querySelectorAll("#ticket-table tr")) tr.classList.toggle("selected", Number(tr.dataset.id) === id);
  }

  // photos of a report from a room's code or of a completion (the API gives none to viewers)
  function photoStrip(tk) {
    if (!tk.photos || !tk.photos.length) return [];
    return [el("div", { class: "photo-strip", id: "detail-photos" }, tk.photos.map((p) =>
      el("a", { href: p.url, target: "_blank", rel: "noopener" },
        el("img", { src: p.thumb, alt: t("m_stage_" + p.stage), width: 72, height: 72, loading: "lazy" }))))];
  }

  function orderFacts(tk) {
    const d = tk.details || {};
    const out = [];
    if (d.meal) {
      out.push(el("dt", {}, t("dishes")), el("dd", { id: "detail-dishes" },
        d.meal.items.map((i) => i.name + "×" + i.qty).join("、") + " · ¥" + d.meal.total + " · " + shortTime(d.meal.delivery_time)));
    } else if (tk.service_type === "meals") {
      out.push(el("dt", {}, t("meal_order")), el("dd", { class: "bad" }, t("no_dishes")));
    }
    if (d.approval) {
      out.push(el("dt", {}, t("approval")), el("dd", { id: "detail-approval", dataset: { state: d.approval.state } },
        el("span", { class: "badge" + (d.approval.state === "approved" ? "" : " bad") }, t("approval_" + d.approval.state)),
        d.approval.by ? " · " + d.approval.by : "", d.approval.note ? " — " + d.approval.note : ""));
    }
    if (d.cleaning) {
      out.push(el("dt", {}, t("cleaning_kind")), el("dd", {}, t("clean_" + d.cleaning.kind) + (d.cleaning.area ? " · " + d.cleaning.area : "")));
    }
    return out;
  }

  function actionBar(tk, done) {
    const id = tk.id;
    const open = ["accepted", "dispatched", "in_progress"].includes(tk.status);
    const run = (method, path, body) => async () => {
      try { await api(method, "/api/tickets/" + id + path, body ? body() : undefined); toast(t("saved")); done(); }
      catch (e) { toast(e.message, true); }
    };
    const note = el("input", { id: "action-note", placeholder: t("comment") + " / " + t("merge_into"), maxlength: 200 });
    const score = el("select", { id: "callback-score" }, [5, 4, 3, 2, 1].map((n) => el("option", { value: n }, String(n))));
    const suggest = el("ul", { class: "suggest", id: "suggest" });
    const box = el("div", { class: "actions-box" });
    if (open) {
      api("GET", "/api/tickets/" + id + "/suggestions").then((ws) => {
        const current = new Set(tk.workers.filter(([, st]) => st === "offered" || st === "accepted").map(([c]) => c));
        suggest.replaceChildren(el("li", { class: "muted small" }, t("suggested")), ...ws.map((w, i) => el("li", {},
          el("input", { type: "checkbox", value: w.code, id: "w-" + w.code, checked: current.has(w.code) || (!current.size && i === 0) }),
          el("label", { for: "w-" + w.code }, w.name + " · " + w.code + " · " + w.team))));
      }).catch(() => {});
    }
    const chosen = () => ({ staff_codes: [...suggest.querySelectorAll("input:checked")].map((i) => i.value) });
    const pending = tk.status === "accepted" && tk.details && tk.details.approval && tk.details.approval.state === "pending";
    const buttons = [
      // the ward head phoned the desk: her name goes in the note field
      pending && el("button", { class: "primary", id: "act-approve", onclick: run("POST", "/approve", () => ({ by: note.value.slice(0, 50) })) }, t("approve")),
      pending && el("button", { class: "danger", id: "act-reject", onclick: run("POST", "/reject", () => ({ note: note.value })) }, t("reject")),
      !pending && (tk.status === "accepted" || tk.status === "dispatched") && el("button", { class: "primary", id: "act-dispatch", onclick: run("POST", "/dispatch", chosen) }, t("dispatch") + " (D)"),
      el("button", { id: "act-reprint", onclick: run("POST", "/reprint") }, t("reprint")),
      open && el("button", { id: "act-resend", onclick: run("POST", "/resend") }, t("resend")),
      open && el("button", { id: "act-complete", onclick: run("POST", "/complete", () => ({ note: note.value })) }, t("close")),
      open && el("button", { class: "danger", id: "act-cancel", onclick: run("POST", "/cancel", () => ({ reason: note.value })) }, t("cancel")),
      !open && el("button", { id: "act-reopen", onclick: run("POST", "/reopen", () => ({ reason: note.value })) }, t("reopen")),
      (tk.status === "accepted" || tk.status === "dispatched") && el("button", { id: "act-merge",
        onclick: run("POST", "/merge", () => ({ into_id: Number(note.value.replace(/\D/g, "")) })) }, t("merge")),
      tk.status === "done" && el("span", {}, score, " ", el("button", { id: "act-callback",
        onclick: run("POST", "/callback", () => ({ score: Number(score.value), comment: note.value })) }, t("callback"))),
    ];
    box.append(suggest, note, el("div", { class: "actions" }, buttons));
    return box;
  }

  // --- wiring ----------------------------------------------------------------------------
  if (isDesk) {
    $("pop-to-ticket").addEventListener("click", ticketFromPop);
    $("new-ticket").addEventListener("submit", createTicket);
    $("new-ticket").elements.service_type.addEventListener("change", () => showTypeFields().catch((e) => toast(e.message, true)));
    $("search-more-btn").addEventListener("click", async () => {
      const offset = shownRows.length;
      try { showSearchRows(await searchPage(offset), offset); } catch (e) { toast(e.message, true); }
    });
    $("search").addEventListener("submit", (ev) => {
      ev.preventDefault();
      searching = $("search-q").value.trim();
      $("list-title").textContent = searching ? t("search") + ": " + searching : t("open_tickets");
      reloadList().catch((e) => toast(e.message, true));
    });
    $("ticket-table").addEventListener("click", (ev) => {
      const tr = ev.target.closest("tr[data-id]");
      if (!tr || ev.target.closest("a")) return;
      openDetail(Number(tr.dataset.id)).catch((e) => toast(e.message, true));
    });
    live("/api/events", {
      pop: showPop,
      ticket: (tk) => {
        reloadSoon();
        // Re-render only for a newer version: the echo of the desk's own change must not
        // wipe the operator's worker choice and note while the suggestions load again.
        const same = shown && shown.id === tk.id && shown.version === tk.version;
        if (selected === tk.id && !same) openDetail(tk.id).catch(() => {});
      },
      dropped: () => { toast(t("missed")); reloadSoon(); },
    });
    document.addEventListener("keydown", (ev) => {
      const typing = ev.target.matches("input, textarea, select");
      if (ev.key === "Enter" && (ev.ctrlKey || ev.metaKey) && ev.target.closest("#new-ticket")) {
        ev.preventDefault(); $("new-ticket").requestSubmit(); return;
      }
      if (ev.key === "Escape") { $("detail").hidden = true; selected = shown = null; ev.target.blur && ev.target.blur(); return; }
      if (typing) return;
      if (ev.key === "Enter" && lastPop && $("pop").dataset.state === "ringing") { ev.preventDefault(); ticketFromPop(); }
      else if (ev.key === "Enter" && ev.target.matches("tr[data-id]")) openDetail(Number(ev.target.dataset.id));
      else if (ev.key === "/") { ev.preventDefault(); $("search-q").focus(); }
      else if (ev.key === "n" || ev.key === "N") { ev.preventDefault(); $("new-ticket").elements.service_type.focus(); }
      else if ((ev.key === "d" || ev.key === "D") && $("act-dispatch")) { ev.preventDefault(); $("act-dispatch").click(); }
    });
  } else {
    // A ticket page: the same actions bar; a change reloads the page.
    const holder = document.getElementById("actions");
    if (holder) {
      const id = Number(holder.dataset.ticket);
      api("GET", "/api/tickets/" + id).then((tk) => holder.replaceChildren(actionBar(tk, () => location.reload())));
    }
  }
})();
