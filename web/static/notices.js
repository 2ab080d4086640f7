"use strict";
// Outage notices: the form (with a preview of the departments and contacts it reaches) and
// cancelling one, through the JSON API.
(() => {
  const { api, toast, t, el } = OneStop;

  function body(form) {
    const floors = form.elements.namedItem("floors").value.split("\n").map((line) => line.trim()).filter(Boolean)
      .map((line) => { const at = line.lastIndexOf(" "); return { building: line.slice(0, at).trim(), floor: line.slice(at + 1).replace(/[FfLl层楼]$/, "") }; });
    return {
      kind: form.elements.namedItem("kind").value,
      starts_at: form.elements.namedItem("starts_at").value,
      ends_at: form.elements.namedItem("ends_at").value,
      text: form.elements.namedItem("text").value,
      buildings: [...form.querySelectorAll('input[name="buildings"]:checked')].map((b) => b.value),
      floors,
      departments: [...form.elements.namedItem("departments").selectedOptions].map((o) => o.value),
    };
  }

  const form = document.getElementById("notice-form");
  if (form) {
    document.getElementById("notice-preview").addEventListener("click", async () => {
      const box = document.getElementById("notice-who");
      try {
        const who = await api("POST", "/api/notices/preview", body(form));
        box.replaceChildren(el("ul", {}, who.departments.map((d) => el("li", {},
          d.name, " — ", d.contacts.length ? d.contacts.map((c) => c.name || c.number).join("、") : t("notice_no_contact")))));
        if (!who.departments.length) box.replaceChildren(t("none"));
        box.hidden = false;
      } catch (e) { toast(e.message, true); }
    });
    form.addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        const made = await api("POST", "/api/notices", body(form));
        location.href = `/notices/${made.id}`;
      } catch (e) { toast(e.message, true); }
    });
  }

  const cancel = document.getElementById("notice-cancel");
  if (cancel) cancel.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    try {
      await api("POST", `/api/notices/${cancel.dataset.notice}/cancel`, { reason: cancel.elements.namedItem("reason").value });
      location.reload();
    } catch (e) { toast(e.message, true); }
  });
})();
