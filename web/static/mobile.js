// The phone pages opened by a link: previews of chosen photos (at most three), one tap per
// submit, and the SMS code sent without leaving the form. Everything works without this file.
(function () {
  "use strict";
  const words = JSON.parse(document.body.dataset.i18n || "{}");
  const t = (key) => words[key] || key;
  const CODE_COOLDOWN_MS = 30000;  // one code at a time (the server allows three an hour)

  // photo previews and the limit of three
  document.querySelectorAll("input[type=file][data-max]").forEach((input) => {
    const preview = input.closest("form").querySelector(".m-thumbs") || document.getElementById("photo-preview");
    input.addEventListener("change", () => {
      const max = Number(input.dataset.max || 3);
      if (preview) preview.textContent = "";
      if (input.files.length > max) {
        alert(t("m_too_many_photos"));
        input.value = "";
        return;
      }
      if (!preview || !window.FileReader) return;
      Array.from(input.files).forEach((file) => {
        // a data: URL (the pages' CSP allows data: images, not blob:)
        const img = document.createElement("img");
        img.alt = file.name;
        preview.appendChild(img);
        const reader = new FileReader();
        reader.onload = () => { img.src = reader.result; };
        reader.readAsDataURL(file);
      });
    });
  });

  // one tap is one submit (a slow uplink invites a second tap)
  document.querySelectorAll("form").forEach((form) => {
    form.addEventListener("submit", (ev) => {
      if (form.dataset.sent === "1") { ev.preventDefault(); return; }
      const button = ev.submitter;
      if (button && button.id === "send-code") return;  // handled below
      form.dataset.sent = "1";
      if (button) {
        if (button.name) {  // keep the pressed button's value once it is disabled
          const keep = document.createElement("input");
          keep.type = "hidden"; keep.name = button.name; keep.value = button.value;
          form.appendChild(keep);
        }
        button.disabled = true;
        button.textContent = t("m_sending");
      }
    });
  });

  // the SMS code: sent by fetch so what was typed and chosen stays in the form
  const send = document.getElementById("send-code");
  if (send) {
    send.addEventListener("click", async (ev) => {
      ev.preventDefault();
      const phone = document.getElementById("phone");
      const body = new FormData();
      body.append("phone", phone ? phone.value : "");
      send.disabled = true;
      try {
        const resp = await fetch(send.getAttribute("formaction"), {
          method: "POST", body, headers: { Accept: "application/json" }, credentials: "omit" });
        const data = await resp.json();
        const note = document.getElementById("code-note");
        if (note) {
          note.hidden = false;
          note.className = "m-alert " + (data.ok ? "ok" : "bad");
          note.textContent = data.ok ? t("m_code_sent") : t("m_err_" + data.reason);
        }
      } catch (e) {
        alert(t("m_err_other"));
      } finally {
        setTimeout(() => { send.disabled = false; }, CODE_COOLDOWN_MS);
      }
    });
  }
})();
