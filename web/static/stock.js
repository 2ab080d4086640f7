"use strict";
// The stores' forms (a stock document, a stock file, cancelling a back-order) and closing a
// ticket with the parts used. Every answer comes back from the API; errors are shown as the
// API words them (in the user's language).
(() => {
  const { t, api, toast } = OneStop;

  function addLine(form) {
    const body = form.querySelector("table.lines tbody");
    const row = body.rows[0].cloneNode(true);
    for (const input of row.querySelectorAll("input")) input.value = "";
    body.append(row);
  }

  function lines(form, withCost) {
    return [...form.querySelectorAll("table.lines tbody tr")].map((tr) => {
      const get = (name) => (tr.querySelector(`input[name="${name}"]`) || {}).value || "";
      const line = { code: get("code").trim(), qty: Number(get("qty")) };
      if (withCost && get("unit_cost").trim()) line.unit_cost = get("unit_cost").trim();
      return line;
    }).filter((l) => l.code);
  }

  for (const form of document.querySelectorAll("form.stock-form")) {
    const add = form.querySelector(".add-line");
    if (add) add.addEventListener("click", () => addLine(form));
  }

  const doc = document.getElementById("stock-doc");
  if (doc) doc.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = doc.elements;
    const body = { kind: f.kind.value, lines: lines(doc, true), reason: f.reason.value,
                   supplier_code: f.supplier_code.value.trim(), ref: f.ref.value.trim() };
    if (f.ticket_id.value) body.ticket_id = Number(f.ticket_id.value);
    try {
      const made = await api("POST", "/api/stock/documents", body);
      toast(t("stock_booked") + " #" + made.id);
      location.reload();
    } catch (e) { toast(e.message, true); }
  });

  const imp = document.getElementById("stock-import");
  if (imp) imp.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const report = document.getElementById("stock-import-report");
    try {
      const result = await api("POST", "/api/stock/import", new FormData(imp));
      report.textContent = (result.errors || []).length
        ? result.errors.map((e) => t("stock_line").replace("{n}", e.line) + ": " + e.reason).join("\n")
        : (result.applied ? t("stock_booked") + (result.doc_id ? " #" + result.doc_id : "") : t("dry_run") + " ✓");
    } catch (e) { report.textContent = e.message; }
    report.hidden = false;
  });

  for (const button of document.querySelectorAll("button.cancel-bo")) {
    button.addEventListener("click", async () => {
      const reason = window.prompt(t("stock_cancel_reason"));
      if (!reason) return;
      try {
        await api("POST", `/api/stock/backorders/${button.dataset.id}/cancel`, { reason });
        toast(t("saved"));
        location.reload();
      } catch (e) { toast(e.message, true); }
    });
  }

  const done = document.getElementById("complete-parts");
  if (done) done.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const parts = lines(done, false);
    try {
      await api("POST", `/api/tickets/${done.dataset.ticket}/complete`,
        { parts, backorder: done.elements.backorder.checked, note: done.elements.note.value }, { minimal: true });
      toast(t("saved"));
      location.reload();
    } catch (e) { toast(e.message, true); }
  });
})();
