// Enhancements only: every page works without this file.
// A form is sent once: its button is disabled once it has been pressed.
document.addEventListener("submit", function (event) {
  var buttons = event.target.querySelectorAll("button[data-once]");
  window.setTimeout(function () {
    buttons.forEach(function (button) { button.disabled = true; });
  }, 0);
});
// An invalid form comes back with its summary of errors focused, for screen readers.
var summary = document.querySelector(".error-summary");
if (summary) { summary.focus(); }
