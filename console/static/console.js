// rampart console: progressive enhancement only. Every page works without
// this file; with it, copy buttons appear and sortable tables sort in place.
"use strict";
document.addEventListener("DOMContentLoaded", function () {
  document.querySelectorAll("button[data-copy]").forEach(function (b) {
    var src = document.getElementById(b.getAttribute("data-copy"));
    if (!src || !navigator.clipboard) return;
    b.hidden = false;
    b.addEventListener("click", function () {
      var text = src.getAttribute("data-secret") || src.textContent;
      navigator.clipboard.writeText(text.trim()).then(function () {
        b.textContent = "Copied";
      });
    });
  });
  document.querySelectorAll("table.sortable").forEach(function (table) {
    table.querySelectorAll("thead th").forEach(function (th, col) {
      var a = th.querySelector("a");
      if (!a) return;
      a.addEventListener("click", function (ev) {
        ev.preventDefault();
        var body = table.tBodies[0];
        var asc = th.getAttribute("aria-sort") !== "ascending";
        table.querySelectorAll("thead th").forEach(function (h) { h.removeAttribute("aria-sort"); });
        th.setAttribute("aria-sort", asc ? "ascending" : "descending");
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (x, y) {
          var c = x.cells[col].textContent.localeCompare(y.cells[col].textContent);
          return asc ? c : -c;
        });
        rows.forEach(function (r) { body.appendChild(r); });
      });
    });
  });
});
