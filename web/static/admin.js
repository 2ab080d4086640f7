"use strict";
(() => {
  const { api, toast, t } = OneStop;
  const table = document.getElementById("admin-table");
  const kind = table.dataset.kind;
  table.addEventListener("input", (ev) => {
    if (ev.target.matches("input")) ev.target.classList.toggle("dirty", ev.target.value !== ev.target.dataset.orig);
  });
  table.addEventListener("click", async (ev) => {
    if (!ev.target.matches(".save-row")) return;
    const row = ev.target.closest("tr");
    const changes = {};
    for (const input of row.querySelectorAll("input.dirty")) changes[input.name] = input.value;
    if (!Object.keys(changes).length) return;
    try {
      await api("PATCH", `/api/admin/${kind}/${encodeURIComponent(row.dataset.key)}`, { changes });
      for (const input of row.querySelectorAll("input.dirty")) { input.dataset.orig = input.value; input.classList.remove("dirty"); }
      toast(t("saved"));
    } catch (e) { toast(e.message, true); }
  });
  const form = document.getElementById("import-form");
  if (form) form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const report = document.getElementById("import-report");
    try {
      const result = await api("POST", `/api/admin/import/${kind}`, new FormData(form));
      report.textContent = JSON.stringify(result, null, 2);
    } catch (e) { report.textContent = e.message; }
    report.hidden = false;
  });
})();
