// The catalog editor: add and remove rows of the information items table.
(function () {
  "use strict";
  var body = document.getElementById("items");
  var template = document.getElementById("item-row");
  var add = document.getElementById("add-item");
  if (!body || !template || !add) { return; }
  add.addEventListener("click", function () {
    var row = template.content.firstElementChild.cloneNode(true);
    body.appendChild(row);
    row.querySelector("input").focus();
  });
  body.addEventListener("click", function (event) {
    var button = event.target.closest(".remove-item");
    if (!button) { return; }
    var rows = body.querySelectorAll("tr.item-row");
    if (rows.length > 1) {
      button.closest("tr").remove();
    } else {
      // Keep one row to fill in: clear it instead.
      rows[0].querySelectorAll("input").forEach(function (input) { input.value = ""; });
    }
  });
})();
