// The review desk's keys: each decision button names its key (data-key,
// aria-keyshortcuts); pressing it clicks the button. Without this file the
// buttons work as they are.
(function () {
  "use strict";
  var form = document.getElementById("desk-decisions");
  if (!form) {
    return;
  }
  var sent = false;
  form.setAttribute("data-keys", "ready"); // the keys work from here on
  form.addEventListener("submit", function () {
    sent = true; // one decision per page: a held-down key does not decide twice
  });
  document.addEventListener("keydown", function (event) {
    if (sent || event.ctrlKey || event.metaKey || event.altKey || event.repeat) {
      return;
    }
    var target = event.target;
    if (target && (target.isContentEditable || /^(INPUT|SELECT|TEXTAREA)$/.test(target.tagName))) {
      return;
    }
    var key = (event.key || "").toLowerCase();
    if (!/^[a-z0-9]$/.test(key)) {
      return;
    }
    var button = form.querySelector('button[data-key="' + key + '"]');
    if (!button || button.disabled || button.closest("fieldset:disabled")) {
      return;
    }
    event.preventDefault();
    button.classList.add("desk-pressed");
    button.click();
  });
})();
