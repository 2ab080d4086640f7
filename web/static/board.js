"use strict";
// The dispatcher's board: the server renders it (with the filters and page in its URL); it is
// reloaded in place when tickets change, and every 30 s for SMS states (delivery reports).
(() => {
  const { live, refresh, coalesce, ready, titleTruncated } = OneStop;
  const region = document.getElementById("board");
  const update = coalesce(() => refresh(region).then(() => titleTruncated(region)), 300, 1000, 700);
  region.addEventListener("click", (ev) => {
    const link = ev.target.closest(".pager a");
    if (!link) return;
    ev.preventDefault();
    const url = new URL(link.href);
    history.replaceState(null, "", url.pathname + url.search);
    refresh(region, "/board/part" + url.search).then(() => titleTruncated(region));
  });
  live("/api/wallboard/events", { wallboard: update, dropped: update });
  window.__live.addEventListener("open", ready, { once: true });
  titleTruncated(region);
  setInterval(update, 30000);
})();
