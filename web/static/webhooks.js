"use strict";
// The webhooks admin page: a new subscription (its secret shown once), test, pause or resume,
// a new secret, and sending a delivery again — all through /api/webhooks.
(() => {
  const { api, toast, t } = OneStop;

  function showSecret(secret) {
    const box = document.getElementById("webhook-secret");
    box.querySelector("code").textContent = secret;
    box.hidden = false;
  }

  const form = document.getElementById("webhook-form");
  if (form) form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const body = {
      name: form.elements.namedItem("name").value,
      url: form.elements.namedItem("url").value,
      events: [...form.querySelectorAll('input[name="events"]:checked')].map((e) => e.value),
      personal: form.elements.namedItem("personal").checked,
      format: form.elements.namedItem("format").value,
      language: form.elements.namedItem("language").value,
    };
    const secret = form.elements.namedItem("secret").value;
    if (secret) body.secret = secret;
    try {
      const made = await api("POST", "/api/webhooks/subscriptions", body);
      form.reset();
      toast(t("saved"));
      if (made.secret) showSecret(made.secret);  // ours, shown once (a robot's secret is the robot's)
      else location.reload();
    } catch (e) { toast(e.message, true); }
  });

  const subs = document.getElementById("webhook-subs");
  if (subs) subs.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button[data-act]");
    if (!button) return;
    const row = button.closest("tr[data-id]");
    const id = row.dataset.id;
    try {
      if (button.dataset.act === "ping") {
        await api("POST", `/api/webhooks/subscriptions/${id}/ping`, {});
        toast(t("saved"));
      } else if (button.dataset.act === "toggle") {
        await api("PATCH", `/api/webhooks/subscriptions/${id}`, { active: row.dataset.active !== "true" });
        location.reload();
      } else if (button.dataset.act === "rotate") {
        const changed = await api("PATCH", `/api/webhooks/subscriptions/${id}`, { new_secret: true });
        showSecret(changed.secret);
      }
    } catch (e) { toast(e.message, true); }
  });

  const log = document.getElementById("webhook-log");
  if (log) log.addEventListener("click", async (ev) => {
    const button = ev.target.closest("button[data-act=redeliver]");
    if (!button) return;
    try {
      await api("POST", `/api/webhooks/deliveries/${button.closest("tr").dataset.delivery}/redeliver`, {});
      location.reload();
    } catch (e) { toast(e.message, true); }
  });
})();
