// The print button of the paper pages (ballot, notices, archive): the browser's print dialog.
// Without this script the browser's own Print menu does the same.
(function () {
  "use strict";
  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });
})();
