/* The calendar grid, by keyboard: one Tab stop for the whole grid (a roving tabindex), the arrow keys move
   between its free times and appointments (up and down in a column, left and right at the same time).
   Without this script every link in the grid is its own Tab stop and still works. */
(function () {
  var table = document.querySelector("table.cal");
  if (!table) return;
  var links = Array.prototype.slice.call(table.querySelectorAll("td a"));
  if (!links.length) return;
  function pos(a) {
    var td = a.closest("td");
    return { r: +td.dataset.r, n: +(td.getAttribute("rowspan") || 1), c: +td.dataset.c, td: td };
  }
  var current = table.querySelector("td.free a") || links[0];
  links.forEach(function (a) { a.tabIndex = a === current ? 0 : -1; });
  function take(a) {
    if (!a || a === current) return;
    current.tabIndex = -1;
    a.tabIndex = 0;
    current = a;
  }
  function nearest(from, dc, dr) {
    var p = pos(from);
    // Two appointments in one cell: up and down step between them first.
    var inCell = Array.prototype.slice.call(p.td.querySelectorAll("a"));
    var k = inCell.indexOf(from) + dr;
    if (dr && k >= 0 && k < inCell.length) return inCell[k];
    var pick = null, best = Infinity;
    links.forEach(function (a) {
      var q = pos(a), d;
      if (q.td === p.td) return;
      if (dc) {
        if (q.c !== p.c + dc) return;
        d = q.r <= p.r && p.r < q.r + q.n ? 0 : Math.abs(q.r - p.r);
      } else {
        if (q.c !== p.c || (dr > 0 ? q.r <= p.r : q.r >= p.r)) return;
        d = Math.abs(q.r - p.r);
      }
      if (d < best) { best = d; pick = a; }
    });
    return pick;
  }
  var moves = { ArrowUp: [0, -1], ArrowDown: [0, 1], ArrowLeft: [-1, 0], ArrowRight: [1, 0] };
  table.addEventListener("keydown", function (e) {
    var m = moves[e.key], a = e.target.closest && e.target.closest("td a");
    if (!m || !a) return;
    var next = nearest(a, m[0], m[1]);
    e.preventDefault();
    if (next) { take(next); next.focus(); }
  });
  table.addEventListener("focusin", function (e) {
    var a = e.target.closest && e.target.closest("td a");
    if (a) take(a);
  });
})();
