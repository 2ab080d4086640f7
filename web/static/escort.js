"use strict";
// Booking an escort (陪检): a transport ticket with its escort fields, through POST /api/tickets.
(() => {
  const { t, api, toast } = OneStop;
  const form = document.getElementById("escort-form");
  if (!form) return;
  form.addEventListener("submit", async (ev) => {
    ev.preventDefault();
    const f = form.elements;
    // the appointment as the center's local time: the server reads a time without a zone in it
    const escort = { patient_name: f.patient_name.value.trim(), bed: f.bed.value.trim(), from: f.from.value.trim(),
                     to: f.to.value.trim(), appointment: f.appointment.value, conveyance: f.conveyance.value,
                     oxygen: f.oxygen.checked, isolation: f.isolation.value, exam: f.exam.value.trim(),
                     note: f.note.value.trim() };
    const body = { service_type: "transport", source: "desk", location_code: escort.from,
                   reporter_name: f.reporter_name.value.trim(), reporter_phone: f.reporter_phone.value.trim(),
                   description: [escort.exam, escort.note].filter(Boolean).join(" "), details: { escort } };
    try {
      const tk = await api("POST", "/api/tickets", body, { minimal: true });
      toast(t("escort_booked") + " #" + tk.id);
      location.reload();
    } catch (e) { toast(e.message, true); }
  });
})();
