"use strict";
// The kitchen page: print a meal's production summary again.
(() => {
  const { t, api, toast } = OneStop;
  for (const button of document.querySelectorAll("button.reprint")) {
    button.addEventListener("click", async () => {
      try {
        await api("POST", "/api/kitchen/reprint", { day: button.dataset.day, meal: button.dataset.meal });
        toast(t("saved"));
      } catch (e) { toast(e.message, true); }
    });
  }
})();
