// Running figures while choosing, and the receipt's print and copy buttons. The ballot works without
// this script: the review page shows the same figures, computed on the server.
(function () {
  "use strict";
  var form = document.querySelector("form.ballot");
  if (form) {
    var live = form.querySelector(".live");
    var update = function () {
      var chosen = 0, cost = 0, points = 0;
      form.querySelectorAll(".choice").forEach(function (row) {
        var box = row.querySelector("input[type=checkbox], input[type=radio]");
        var pts = row.querySelector("input.points");
        var rank = row.querySelector("select.rank");
        var on = box ? box.checked : pts ? Number(pts.value) > 0 : rank ? rank.value !== "" : false;
        if (on) {
          chosen += 1;
          cost += Number(row.dataset.cost || 0);
          points += pts ? Number(pts.value) : 0;
        }
      });
      var set = function (sel, value) { var el = live.querySelector(sel); if (el) { el.textContent = value; } };
      set("[data-chosen]", chosen);
      set("[data-cost]", (cost / 100).toLocaleString());
      set("[data-points-used]", points);
    };
    live.hidden = false;
    form.addEventListener("input", update);
    form.addEventListener("change", update);
    update();
  }
  // The receipt's copy button, shown only where the clipboard can be written; the code stays
  // plain, selectable text either way.
  var copy = document.querySelector("button[data-copy]");
  if (copy && navigator.clipboard && navigator.clipboard.writeText) {
    var copied = document.querySelector("[data-copied]");
    copy.hidden = false;
    copy.addEventListener("click", function () {
      navigator.clipboard.writeText(copy.dataset.copy).then(function () {
        if (copied) { copied.hidden = false; }
      }, function () { /* refused: the code can still be selected and copied by hand */ });
    });
  }
  var print = document.querySelector("[data-print]");
  if (print) { print.addEventListener("click", function () { window.print(); }); }
  // A form that acts once (the cast) is sent once: a second tap while the first is on its way
  // would replace the page that answers it, which shows the receipt only once.
  document.querySelectorAll("form[data-once]").forEach(function (once) {
    once.addEventListener("submit", function (event) {
      if (once.dataset.sent) {
        event.preventDefault();
        return;
      }
      once.dataset.sent = "1";
      once.querySelectorAll("button[type=submit], button:not([type])").forEach(function (b) {
        b.setAttribute("aria-disabled", "true");
      });
    });
  });
})();
