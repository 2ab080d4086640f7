"use strict";
// Master data and log-in accounts (administrators): a row's edit form built from the page's
// schema (inputs, yes/no, choices by name), the import and its report as a table, and the
// accounts' actions. Every change goes through the API and is audited there.
(() => {
  const { t, el, api, toast } = OneStop;
  const $ = (id) => document.getElementById(id);
  const reload = () => location.reload();

  // --- master data: edit one row in a dialog ---------------------------------------------
  const table = $("admin-table");
  if (table) {
    const kind = table.dataset.kind;
    const schema = JSON.parse(table.dataset.schema || "[]");
    const dialog = $("edit-dialog");
    let editing = null;
    const input = (f, value) => {
      if (f.type === "bool") return el("label", { class: "check" }, el("input", { type: "checkbox", name: f.name, checked: value === true }), f.label);
      if (f.type === "select") {
        const options = f.options.some(([v]) => v === value) || value === "" ? f.options : [[value, value], ...f.options];
        return el("label", {}, f.label, el("select", { name: f.name }, options.map(([v, name]) => el("option", { value: v, selected: v === value }, name))));
      }
      return el("label", {}, f.label, el("input", { name: f.name, value: value === null ? "" : value, type: f.type === "number" ? "text" : "text",
        inputmode: f.type === "number" ? "decimal" : null }));
    };
    table.addEventListener("click", (ev) => {
      const button = ev.target.closest(".edit-row");
      if (!button) return;
      const row = button.closest("tr");
      editing = { key: row.dataset.key, values: JSON.parse(row.dataset.values) };
      $("edit-key").textContent = editing.key;
      $("edit-fields").replaceChildren(...schema.map((f) => input(f, editing.values[f.name])));
      dialog.showModal();
    });
    $("edit-cancel").addEventListener("click", () => dialog.close());
    $("edit-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const changes = {};
      for (const f of schema) {
        const field = $("edit-form").elements[f.name];
        const value = f.type === "bool" ? field.checked : field.value;
        if (String(value) !== String(editing.values[f.name] ?? "")) changes[f.name] = value;
      }
      if (!Object.keys(changes).length) { dialog.close(); return; }
      try {
        await api("PATCH", `/api/admin/${kind}/${encodeURIComponent(editing.key)}`, { changes });
        dialog.close(); toast(t("saved")); setTimeout(reload, 400);
      } catch (e) { toast(e.message, true); }
    });
  }

  // --- master data: import a file, the report as a table -----------------------------------
  const form = $("import-form");
  if (form) form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const box = $("import-report");
    try {
      const r = await api("POST", `/api/admin/import/${form.dataset.kind}`, new FormData(form));
      const verdict = r.errors.length ? t("import_refused") : r.applied ? t("import_done") : t("import_checked");
      const counts = ["rows", "created", "updated", "unchanged", "deactivated"].map((k) => el("span", {}, t("report:" + k) + " ", el("b", {}, String(r[k] || 0))));
      box.replaceChildren(el("h3", {}, verdict), el("div", { class: "report-summary" }, counts),
        r.errors.length ? el("table", {}, el("colgroup", {}, el("col", { class: "c-line" }), el("col")),
          el("thead", {}, el("tr", {}, el("th", { scope: "col" }, t("report:line")), el("th", { scope: "col" }, t("report:reason")))),
          el("tbody", {}, r.errors.map((e) => el("tr", {}, el("td", {}, String(e.line)), el("td", {}, e.message || e.reason))))) : null);
    } catch (e) { box.replaceChildren(el("p", { class: "error" }, e.message)); }
    box.hidden = false;
  });

  // --- log-in accounts ----------------------------------------------------------------------
  const users = $("users-table");
  if (users) {
    const userDialog = $("user-dialog"), pwDialog = $("password-dialog");
    let target = null;
    for (const b of document.querySelectorAll(".dialog-cancel")) b.addEventListener("click", () => b.closest("dialog").close());
    $("new-user").addEventListener("click", () => { $("user-form").reset(); userDialog.showModal(); });
    $("user-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      const body = Object.fromEntries(new FormData($("user-form")).entries());
      try { await api("POST", "/api/admin/users", body); userDialog.close(); toast(t("user_created")); setTimeout(reload, 400); }
      catch (e) { toast(e.message, true); }
    });
    $("password-form").addEventListener("submit", async (ev) => {
      ev.preventDefault();
      try {
        await api("POST", `/api/admin/users/${encodeURIComponent(target)}/password`, { password: $("password-form").elements.password.value });
        pwDialog.close(); toast(t("saved"));
      } catch (e) { toast(e.message, true); }
    });
    users.addEventListener("change", async (ev) => {
      const select = ev.target.closest(".role-select");
      if (!select) return;
      const name = select.closest("tr").dataset.user;
      try { await api("PATCH", `/api/admin/users/${encodeURIComponent(name)}`, { changes: { role: select.value } }); select.dataset.role = select.value; toast(t("saved")); }
      catch (e) { select.value = select.dataset.role; toast(e.message, true); }
    });
    users.addEventListener("click", async (ev) => {
      const button = ev.target.closest("button[data-act]");
      if (!button) return;
      const name = button.closest("tr").dataset.user;
      const act = button.dataset.act;
      if (act === "password") { target = name; $("password-user").textContent = name; $("password-form").reset(); pwDialog.showModal(); return; }
      if (act === "disable" && !confirm(t("confirm_disable"))) return;
      const url = `/api/admin/users/${encodeURIComponent(name)}`;
      try {
        if (act === "disable" || act === "enable") await api("PATCH", url, { changes: { active: act === "enable" } });
        else await api("POST", url + "/" + act);  // unlock, sessions/end
        toast(t("saved")); setTimeout(reload, 400);
      } catch (e) { toast(e.message, true); }
      return;
    });
  }
  OneStop.ready();
})();
