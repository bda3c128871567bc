// Sortable tables: a click on a column header of a table.sortable sorts its body rows by that
// column (again: the other way). Numbers read the Indonesian way ("12.345", "45,7%", "Rp1.000");
// a hidden count ("<11") sorts between 0 and 11 without revealing more. Rows of <tfoot> stay.
(function () {
  "use strict";
  function key(cell) {
    var text = (cell ? cell.textContent : "").trim();
    if (/^<\d+$/.test(text)) return { num: 5.5 };
    var plain = text.replace(/^Rp/, "").replace(/%$/, "").replace(/\./g, "").replace(",", ".");
    if (plain !== "" && !isNaN(Number(plain))) return { num: Number(plain) };
    return { text: text.toLowerCase() };
  }
  function compare(a, b) {
    if (a.num !== undefined && b.num !== undefined) return a.num - b.num;
    if (a.num !== undefined) return -1;
    if (b.num !== undefined) return 1;
    return a.text.localeCompare(b.text, "id");
  }
  document.querySelectorAll("table.sortable").forEach(function (table) {
    var headers = table.querySelectorAll("thead th");
    headers.forEach(function (th, index) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "sort-button";
      button.textContent = th.textContent;
      th.textContent = "";
      th.appendChild(button);
      th.setAttribute("aria-sort", "none");
      button.addEventListener("click", function () {
        var ascending = th.getAttribute("aria-sort") !== "ascending";
        headers.forEach(function (other) { other.setAttribute("aria-sort", "none"); });
        th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
        var body = table.tBodies[0];
        var rows = Array.prototype.slice.call(body.rows);
        rows.sort(function (r1, r2) {
          var order = compare(key(r1.cells[index]), key(r2.cells[index]));
          return ascending ? order : -order;
        });
        rows.forEach(function (row) { body.appendChild(row); });
      });
    });
  });
})();
