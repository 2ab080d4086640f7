"use strict";
(() => {
  const { live, refresh, debounce } = OneStop;
  const region = document.getElementById("board");
  const update = debounce(() => refresh(region), 300);
  live("/api/wallboard/events", { wallboard: update, dropped: update });
  setInterval(update, 30000);  // SMS states change without a ticket event (delivery reports)
})();
