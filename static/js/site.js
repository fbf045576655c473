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
  // Top menu: "Menu" (narrow screens) and "More" (wide screens) are disclosure buttons. Without this
  // script both stay hidden and every entry is listed. Escape closes what is open and gives the focus
  // back to its button; a click or focus outside closes "More".
  document.querySelectorAll("[data-nav]").forEach(function (nav) {
    var toggles = nav.querySelectorAll(".nav-toggle, .nav-more-toggle");
    var more = nav.querySelector(".nav-more");
    function setOpen(button, open) { button.setAttribute("aria-expanded", open ? "true" : "false"); }
    nav.classList.add("js-nav");
    toggles.forEach(function (button) {
      button.addEventListener("click", function () {
        setOpen(button, button.getAttribute("aria-expanded") !== "true");
      });
    });
    nav.addEventListener("keydown", function (ev) {
      if (ev.key !== "Escape") { return; }
      var open = Array.prototype.filter.call(toggles, function (b) { return b.getAttribute("aria-expanded") === "true" && b.offsetParent !== null; });
      // The innermost open disclosure closes first ("More" inside "Menu").
      var button = open.filter(function (b) { return b.classList.contains("nav-more-toggle"); })[0] || open[0];
      if (button) { setOpen(button, false); button.focus(); ev.preventDefault(); }
    });
    if (more) {
      var moreButton = more.querySelector(".nav-more-toggle");
      document.addEventListener("click", function (ev) { if (!more.contains(ev.target)) { setOpen(moreButton, false); } });
      more.addEventListener("focusout", function (ev) {
        if (ev.relatedTarget && !more.contains(ev.relatedTarget)) { setOpen(moreButton, false); }
      });
    }
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
