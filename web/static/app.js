// Shared by every page: words, CSRF, JSON calls, the live stream, safe DOM building.
// Data from the server is only ever put into the page with textContent (never innerHTML).
"use strict";
const OneStop = (() => {
  const body = document.body;
  const words = JSON.parse(body.dataset.i18n || "{}");
  const t = (k) => words[k] || k;
  const csrfMeta = document.querySelector('meta[name="csrf-token"]');
  const csrf = csrfMeta ? csrfMeta.content : "";

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

  async function api(method, url, payload) {
    const opts = { method, headers: { "Accept": "application/json" }, credentials: "same-origin" };
    if (method !== "GET") { opts.headers["X-CSRF-Token"] = csrf; opts.headers["Idempotency-Key"] = newKey(); }
    if (payload instanceof FormData) opts.body = payload;
    else if (payload !== undefined) {
      opts.headers["Content-Type"] = "application/json";
      opts.body = JSON.stringify(payload);
    }
    const resp = await send(url, opts);
    if (resp.status === 401) { location.href = "/login?next=" + encodeURIComponent(location.pathname); throw new Error("401"); }
    const data = (resp.headers.get("content-type") || "").includes("json") ? await resp.json() : await resp.text();
    if (!resp.ok) throw new Error(explain(typeof data === "object" && data ? data.detail : data));
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

  // Replace a region with a server-rendered (escaped) fragment.
  async function refresh(region) {
    const resp = await fetch(region.dataset.live, { credentials: "same-origin" });
    if (!resp.ok) return;
    const doc = new DOMParser().parseFromString(await resp.text(), "text/html");
    region.replaceChildren(...doc.body.childNodes);
  }

  function debounce(fn, ms) {
    let timer = null;
    return (...args) => { clearTimeout(timer); timer = setTimeout(() => fn(...args), ms); };
  }

  // Stored times are UTC; show them in the browser's (the center's) local time.
  const pad = (n) => String(n).padStart(2, "0");
  const shortTime = (iso) => {
    const d = new Date(iso || "");
    return isNaN(d) ? "" : pad(d.getMonth() + 1) + "-" + pad(d.getDate()) + " " + pad(d.getHours()) + ":" + pad(d.getMinutes());
  };
  return { t, el, api, toast, live, refresh, debounce, csrf, shortTime, user: body.dataset.user, role: body.dataset.role };
})();
