// The main navigation's groups (base.html) are <details>: they open and close without this file. With it, opening
// one closes the others, and a click elsewhere or Escape closes them, as people expect of a menu.
(function () {
  var menus = document.querySelectorAll("nav details.menu");
  function closeAll(except) {
    menus.forEach(function (m) { if (m !== except) m.open = false; });
  }
  menus.forEach(function (m) {
    m.addEventListener("toggle", function () { if (m.open) closeAll(m); });
  });
  document.addEventListener("click", function (e) {
    if (!e.target.closest("nav details.menu")) closeAll(null);
  });
  document.addEventListener("keydown", function (e) {
    if (e.key !== "Escape") return;
    var open = document.querySelector("nav details.menu[open]");
    if (open) { open.open = false; open.querySelector("summary").focus(); }
  });
})();
