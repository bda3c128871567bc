// Small progressive enhancements; every page works without this script.
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  // Phone navigation: a real button toggles the menu and reports its state.
  var toggle = document.querySelector(".nav-toggle");
  var nav = document.getElementById("main-nav");
  if (toggle && nav) {
    toggle.addEventListener("click", function () {
      var open = nav.classList.toggle("open");
      toggle.setAttribute("aria-expanded", open ? "true" : "false");
    });
  }

  // Forms marked data-once submit once (no double imports on a slow connection).
  document.querySelectorAll("form[data-once]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (form.dataset.submitted) {
        event.preventDefault();
        return;
      }
      var submitter = event.submitter;
      var question = submitter && submitter.dataset.confirm;
      if (question && !window.confirm(question)) {
        event.preventDefault();
        return;
      }
      form.dataset.submitted = "1";
      form.setAttribute("aria-busy", "true");
    });
  });

  // Print buttons (the subject access report): no inline onclick under the CSP.
  document.querySelectorAll("button[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  // The language switcher submits on change; its button stays for keyboard and no-JS users.
  document.querySelectorAll("select[data-autosubmit]").forEach(function (select) {
    select.addEventListener("change", function () { select.form.submit(); });
  });
})();
