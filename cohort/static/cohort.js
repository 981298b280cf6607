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

  // A click on a shareable link selects it, ready to copy.
  document.querySelectorAll("input.copy-link").forEach((input) => {
    input.addEventListener("focus", () => input.select());
  });
});
