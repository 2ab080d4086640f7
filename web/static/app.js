// Shared by every page: words, names of codes, times, CSRF, JSON calls, the live stream,
// safe DOM building. Data from the server is only ever put into the page with textContent
// (never innerHTML).
//
// For pages added later — use these rather than your own:
//   OneStop.t(key)               a word from the catalog (web/i18n/); a missing key is recorded
//                                in window.__missingWords (the browser tests fail on any)
//   OneStop.label(kind, value)   an enumeration's name: label("status", "in_progress") → 承办
//                                (kinds: web/labels.py; service types and skills are "svc")
//   OneStop.when(iso, style)     a time in the center's zone (<body data-tz>), never the
//                                browser's: "short" MM-DD HH:MM, "time" HH:MM, "date",
//                                "full" YYYY-MM-DD HH:MM, "seconds", "clock" (web/timefmt.py)
//   OneStop.api(method, url, body[, { minimal: true }])  JSON call with the CSRF token; throws
//                                Error(message) with the server's translated message; minimal:
//                                a ticket command answers with the ticket alone, not its page
//                                (for a page that shows the ticket its own way afterwards)
//   OneStop.el(tag, attrs, ...children), toast(msg, bad), live(url, handlers),
//   refresh(region[, url]), fill(region, html, etag[, asked]), coalesce(fn, pause, gap, spread), ready()  — see each below
"use strict";
const OneStop = (() => {
  const body = document.body;
  const words = JSON.parse(body.dataset.i18n || "{}");
  const missing = (window.__missingWords = window.__missingWords || []);
  const t = (k) => {
    if (k in words) return words[k];
    if (!missing.includes(k)) missing.push(k);
    return k;
  };
  const label = (kind, value) => {
    if (value === null || value === undefined || value === "") return "";
    if (kind === "bool") value = value === true || value === "true" || value === 1 ? "true" : "false";
    if (kind === "svc" && String(value).includes(",")) {
      return String(value).split(",").filter(Boolean).map((v) => label(kind, v.trim())).join(t("list_sep"));
    }
    return t(kind + ":" + value);
  };
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

  // --- times: the center's zone, formatted as the server formats them (web/timefmt.py) -----
  const zone = body.dataset.tz || "Asia/Shanghai";
  const partsFmt = new Intl.DateTimeFormat("en-GB", {
    timeZone: zone, year: "numeric", month: "2-digit", day: "2-digit",
    hour: "2-digit", minute: "2-digit", second: "2-digit", hourCycle: "h23",
  });
  function when(iso, style) {
    const d = iso instanceof Date ? iso : new Date(iso || "");
    if (!iso || isNaN(d)) return "";
    const p = Object.fromEntries(partsFmt.formatToParts(d).map((x) => [x.type, x.value]));
    const date = p.year + "-" + p.month + "-" + p.day, hm = p.hour + ":" + p.minute;
    switch (style || "short") {
      case "time": return hm;
      case "date": return date;
      case "full": return date + " " + hm;
      case "seconds": return date + " " + hm + ":" + p.second;
      case "clock": return hm + ":" + p.second;
      default: return p.month + "-" + p.day + " " + hm;
    }
  }

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === null || v === undefined || v === false) continue;
      if (k === "class") node.className = v;
      else if (k === "dataset") Object.assign(node.dataset, v);
      else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
      else node.setAttribute(k, v === true ? "" : String(v));
    }
    for (const c of children.flat()) {
      if (c === null || c === undefined || c === false) continue;
      node.append(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  // One Idempotency-Key per call (a form submission): when the network fails the call is
  // sent again with the same key, and the server answers a repeat as it did the first time.
  function newKey() {
    const bytes = crypto.getRandomValues(new Uint8Array(16));  // (randomUUID needs HTTPS)
    return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
  }
  async function send(url, opts) {
    for (let attempt = 1; ; attempt++) {
      try {
        const resp = await fetch(url, opts);
        if (attempt < 3 && [502, 503, 504].includes(resp.status)) throw new TypeError("gateway " + resp.status);
        return resp;
      } catch (e) {
        if (!(e instanceof TypeError) || attempt >= 3) throw e;
        await new Promise((ok) => setTimeout(ok, 400 * attempt));
      }
    }
  }
  const explain = (detail) => typeof detail === "string" ? detail : Array.isArray(detail)
    ? detail.map((d) => (d.loc ? d.loc[d.loc.length - 1] + ": " : "") + d.msg).join("; ") : JSON.stringify(detail);

  async function api(method, url, payload, options) {
    const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = csrf; opts.headers["Idempotency-Key"] = newKey(); }
    if (options && options.minimal) opts.headers["Prefer"] = "return=minimal";
    if (payload instanceof FormData) opts.body = payload;
    else if (payload !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(payload);
    }
    const resp = await send(url, opts);
    if (resp.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); throw new Error(t("error")); }
    const data = (resp.headers.get("content-type") || "").includes("json") ? await resp.json() : await resp.text();
    if (!resp.ok) {
      // the server says it in the user's language (message); detail is the API's English
      const said = typeof data === "object" && data ? (data.message || explain(data.detail)) : "";
      throw new Error(typeof said === "string" && said ? said : t("error") + " " + resp.status);
    }
    return data;
  }

  let toastTimer = null;
  function toast(message, bad) {
    const box = document.getElementById("toast");
    box.textContent = message;
    box.className = "toast" + (bad ? " bad" : "");
    box.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { box.hidden = true; }, bad ? 6000 : 2500);
  }

  // One EventSource; the browser reconnects by itself, we show when it is down.
  function live(url, handlers) {
    const state = document.getElementById("live-state");
    const source = new EventSource(url, { withCredentials: true });
    source.onopen = () => { if (state) state.hidden = true; };
    source.onerror = () => { if (state) state.hidden = false; };
    // The session ended (logged out elsewhere, by an administrator, expired): to the log-in.
    source.addEventListener("logout", () => {
      source.close();
      location.href = "/login?next=" + encodeURIComponent(location.pathname);
    });
    for (const [name, fn] of Object.entries(handlers)) {
      source.addEventListener(name, (ev) => {
        let data = {};
        try { data = JSON.parse(ev.data || "{}"); } catch (e) { return; }
        window.__lastEvent = { name, at: performance.now(), data };
        fn(data);
      });
    }
    window.__live = source;
    return source;
  }

  // Replace a region with a server-rendered (escaped) fragment: the region's data-live URL,
  // or ``url`` (which becomes the region's URL from then on). The fragment's ETag goes back
  // with the next load of the same URL: 304 (nothing changed) leaves the region as it is —
  // the row in focus, the selection and the scroll stay.
  // The region is aria-busy while any of its loads is on its way (screen readers wait; the
  // browser tests know when a late answer has been dealt with). An answer older than what the
  // region shows is dropped: that of a load begun before another load's answer or a pushed
  // fragment (``fill`` without ``asked``) was put in.
  async function refresh(region, url) {
    if (url) region.dataset.live = url;
    const target = region.dataset.live;
    const headers = region.__etag && region.__etag.url === target ? { "If-None-Match": region.__etag.tag } : {};
    const asked = region.__asked = (region.__asked || 0) + 1;
    region.__loads = (region.__loads || 0) + 1;
    region.setAttribute("aria-busy", "true");
    try {
      const resp = await fetch(target, { credentials: "same-origin", cache: "no-store", headers });
      if (resp.status === 304) return region.dataset.live === target;
      if (!resp.ok) return false;
      const html = await resp.text();
      // The region was sent elsewhere meanwhile (a search typed while a page was on its way):
      // this answer is for a list no longer asked for, and must not cover the newer one.
      if (region.dataset.live !== target) return false;
      if (asked <= (region.__shown || 0)) return false; // a newer list came meanwhile
      fill(region, html, resp.headers.get("ETag"), asked);
      return true;
    } finally {
      if (--region.__loads === 0) region.removeAttribute("aria-busy");
    }
  }

  // Put a fragment the server rendered (escaped) for the region's URL in it — loaded by
  // ``refresh`` (``asked``: which of its loads) or pushed on the live stream (newer than any
  // load begun before it came) — with its ETag for the next load.
  function fill(region, html, tag, asked) {
    region.__shown = asked === undefined ? region.__asked || 0 : asked;
    region.__etag = tag ? { url: region.dataset.live, tag } : null;
    const doc = new DOMParser().parseFromString(html, "text/html");
    region.replaceChildren(...doc.body.childNodes);
    titleTruncated(region);
    region.dispatchEvent(new CustomEvent("refreshed", { bubbles: true }));
  }

  // Run ``fn`` (async) soon after a call: ``pause`` ms (plus up to ``spread`` ms at random)
  // after the first call of a burst, then at most once every ``gap`` ms while calls keep
  // coming, never two at once, and always once more after the last call. (A plain debounce
  // never ran while changes arrived more often than its pause — a morning's stream of ticket
  // events froze the lists it was to refresh.) ``spread``: every open desk hears the same event
  // at the same instant; without it fifty reloads reached the server in the same millisecond
  // and the last waited for the other forty-nine.
  function coalesce(fn, pause, gap, spread) {
    let timer = null, running = false, again = false, last = -Infinity;
    async function run() {
      timer = null; running = true; last = performance.now();
      try { await fn(); } catch (e) { /* the next call tries again */ } finally { running = false; }
      if (again) { again = false; schedule(); }
    }
    function schedule() {
      if (running) { again = true; return; }
      if (timer) return;
      const wait = pause + Math.random() * (spread || 0);
      timer = setTimeout(run, Math.max(wait, last + gap - performance.now()));
    }
    return schedule;
  }

  // A page says it is ready for work (its first data shown, its live stream open): the
  // performance mark "onestop:ready" and <body data-ready="1"> (bench/desk.py measures
  // navigation start → this mark; the browser tests wait for it).
  function ready() {
    if (!performance.getEntriesByName("onestop:ready").length) performance.mark("onestop:ready");
    body.dataset.ready = "1";
  }

  // Truncated cells and column heads show their whole text as a tooltip (a server-rendered
  // title is kept).
  function titleTruncated(root) {
    for (const cell of (root || document).querySelectorAll(".cut, th")) {
      if (!cell.title && cell.scrollWidth > cell.clientWidth + 1) cell.title = cell.textContent.trim();
    }
  }

  // A live page (<body data-live-page>) is ready when its stream is open (its script says so);
  // any other page when it has loaded.
  if (!body.dataset.livePage) window.addEventListener("load", ready, { once: true });
  window.addEventListener("load", () => titleTruncated(), { once: true });

  // The header's group of links (<details class="nav-group">) closes on Escape (the focus
  // back on its summary) and on a click elsewhere.
  for (const group of document.querySelectorAll(".nav-group")) {
    group.addEventListener("keydown", (ev) => {
      if (ev.key === "Escape" && group.open) { group.open = false; group.querySelector("summary").focus(); }
    });
    document.addEventListener("click", (ev) => { if (group.open && !group.contains(ev.target)) group.open = false; });
  }

  const shortTime = (iso) => when(iso, "short");
  return { t, label, when, el, api, toast, live, refresh, fill, coalesce, ready, titleTruncated, csrf,
           shortTime, zone, lang: body.dataset.lang, user: body.dataset.user, role: body.dataset.role };
})();
