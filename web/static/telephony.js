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

  // An API error carries {code, message}: show the message (already in the user's words).
  function errorText(err) {
    try {
      const detail = JSON.parse(err.message);
      return detail.message || detail.code || err.message;
    } catch (e) {
      return err.message;
    }
  }
  window.OneStopTelephony = { errorText };
})();
