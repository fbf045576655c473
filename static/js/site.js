// Progressive enhancement only: every flow works without this file.
(function () {
  "use strict";
  // Filter forms: submit when a select changes, so a keyboard user can still use the button.
  document.querySelectorAll("form[data-autosubmit] select").forEach(function (el) {
    el.addEventListener("change", function () { el.form.requestSubmit ? el.form.requestSubmit() : el.form.submit(); });
  });
  // Buttons that ask before a destructive action.
  document.querySelectorAll("[data-confirm]").forEach(function (el) {
    el.addEventListener("click", function (ev) {
      if (!window.confirm(el.getAttribute("data-confirm"))) { ev.preventDefault(); }
    });
  });
  // Copy buttons next to secret URLs.
  document.querySelectorAll("[data-copy]").forEach(function (el) {
    el.hidden = false;
    el.addEventListener("click", function () {
      var target = document.getElementById(el.getAttribute("data-copy"));
      if (target && navigator.clipboard) { navigator.clipboard.writeText(target.textContent.trim()); }
    });
  });
})();
