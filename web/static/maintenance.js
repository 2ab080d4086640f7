"use strict";
// Maintenance pages: a plan's form (new or changed) and an inspection round's checklist, both
// through the JSON API; errors are the server's words, shown as they come.
(() => {
  const { api, toast, t } = OneStop;

  const planForm = document.getElementById("plan-form");
  if (planForm) planForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const code = planForm.dataset.code;
    const values = {};
    for (const field of planForm.elements) {
      if (!field.name) continue;
      if (field.type === "checkbox") values[field.name] = field.checked;
      else if (code && field.value === field.defaultValue && field.tagName !== "SELECT") continue;
      else values[field.name] = field.value;
    }
    try {
      const plan = code
        ? await api("PATCH", `/api/maintenance/plans/${encodeURIComponent(code)}`, values)
        : await api("POST", "/api/maintenance/plans", values);
      toast(t("saved"));
      location.href = `/maintenance/plans/${encodeURIComponent(plan.code)}`;
    } catch (e) { toast(e.message, true); }
  });

  const roundForm = document.getElementById("round-form");
  if (roundForm) roundForm.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const complete = ev.submitter && ev.submitter.value === "complete";
    const items = [];
    for (const row of roundForm.querySelectorAll("tr[data-index]")) {
      const index = Number(row.dataset.index);
      const picked = row.querySelector(`input[name="ok-${index}"]:checked`);
      const note = row.querySelector(`input[name="note-${index}"]`);
      const repair = row.querySelector(`input[name="repair-${index}"]`);
      items.push({ index, ok: picked ? picked.value === "true" : null, note: note ? note.value : "",
                   repair: Boolean(repair && repair.checked) });
    }
    const note = roundForm.elements.namedItem("note");
    const override = ev.submitter && ev.submitter.value === "override";
    const reason = roundForm.elements.namedItem("reason");
    try {
      if (override) {  // a supervisor closes a round that could not be finished, with the reason
        await api("POST", `/api/maintenance/rounds/${roundForm.dataset.ticket}/override`,
                  { items, reason: reason ? reason.value : "", note: note ? note.value : "" });
      } else {
        await api("POST", `/api/maintenance/rounds/${roundForm.dataset.ticket}`,
                  { items, complete, note: note ? note.value : "" });
      }
      toast(t("saved"));
      location.reload();
    } catch (e) { toast(e.message, true); }
  });
})();
