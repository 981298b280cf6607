// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Suggest the device's own time zone on forms that ask for one.
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  document.querySelectorAll("select[data-detect-timezone]").forEach((select) => {
    if (zone && [...select.options].some((option) => option.value === zone)) {
      select.value = zone;
    }
  });

  // Ask before actions that cannot be undone from the same page.
  document.querySelectorAll("form[data-confirm]").forEach((form) => {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) {
        event.preventDefault();
      }
    });
  });

  // Parts of a form that only matter for one choice, e.g. monthly options when a session repeats,
  // or that do not apply to one, e.g. who sees an announcement (everyone).
  // Hidden parts are disabled too, so what they hold is not sent.
  document.querySelectorAll("form [data-shown-when], form [data-hidden-when]").forEach((part) => {
    const shownWhen = part.dataset.shownWhen !== undefined;
    const [name, value] = (shownWhen ? part.dataset.shownWhen : part.dataset.hiddenWhen).split("=");
    const choices = part.closest("form").querySelectorAll(`input[name="${name}"]`);
    const update = () => {
      const chosen = [...choices].some((choice) => choice.checked && choice.value === value);
      part.hidden = shownWhen ? !chosen : chosen;
      part.querySelectorAll("input, select, textarea").forEach((input) => {
        input.disabled = part.hidden;
      });
    };
    choices.forEach((choice) => choice.addEventListener("change", update));
    update();
  });

  // Copy buttons appear only where the browser lets a page copy; the outcome is announced.
  if (navigator.clipboard) {
    document.querySelectorAll("button[data-copy]").forEach((button) => {
      const status = document.getElementById(button.dataset.copyStatus);
      button.hidden = false;
      button.addEventListener("click", async () => {
        try {
          await navigator.clipboard.writeText(document.getElementById(button.dataset.copy).value);
          status.textContent = "Copied.";
        } catch {
          status.textContent = "Your browser did not allow copying: select the link and copy it.";
        }
        setTimeout(() => { status.textContent = ""; }, 5000);
      });
    });
  }

  // A form's own key counts as changed, so the browser keeps it, like the text typed, when Back
  // fetches the page again; then sending the form again is seen for what it is (one form, one post).
  document.querySelectorAll("input[data-kept-on-back]").forEach((input) => {
    const key = input.value;
    input.defaultValue = "";
    input.value = key;
  });

  // A print button where the page is meant for paper (the browser's own Print works as well).
  document.querySelectorAll("button[data-print]").forEach((button) => {
    button.hidden = false;
    button.addEventListener("click", () => window.print());
  });

  // A click on a shareable link selects it, ready to copy.
  document.querySelectorAll("input.copy-link").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
});
