// A drawn signature on a phone or with a mouse: the strokes become SVG path data in the form's hidden field
// (a 600 x 200 box, numbers only; consent/services.py refuses anything else). Without JavaScript the box says so,
// and the typed name can sign on its own.
(function () {
  "use strict";
  document.querySelectorAll("[data-signature]").forEach(function (box) {
    var canvas = box.querySelector("canvas");
    var field = document.getElementById(box.dataset.signature);
    var clear = box.querySelector("[data-clear]");
    var ctx = canvas.getContext("2d");
    var path = [];
    var drawing = false;
    box.hidden = false;
    var note = document.getElementById(box.dataset.nojs);
    if (note) note.hidden = true;

    function point(e) {
      var r = canvas.getBoundingClientRect();
      var x = ((e.clientX - r.left) / r.width) * 600;
      var y = ((e.clientY - r.top) / r.height) * 200;
      return [Math.max(0, Math.min(600, x)).toFixed(1), Math.max(0, Math.min(200, y)).toFixed(1)];
    }
    function redraw() {
      ctx.clearRect(0, 0, 600, 200);
      ctx.lineWidth = 3; ctx.lineCap = "round"; ctx.lineJoin = "round"; ctx.strokeStyle = "#1d2433";
      ctx.stroke(new Path2D(path.join(" ")));
      field.value = path.join(" ");
      box.classList.toggle("signed", path.length > 0);
    }
    canvas.addEventListener("pointerdown", function (e) {
      drawing = true; canvas.setPointerCapture(e.pointerId);
      var p = point(e); path.push("M" + p[0] + " " + p[1]); path.push("L" + p[0] + " " + p[1]); redraw();
    });
    canvas.addEventListener("pointermove", function (e) {
      if (!drawing) return;
      var p = point(e);
      var last = path[path.length - 1].slice(1).split(" ");
      if (Math.abs(p[0] - last[0]) + Math.abs(p[1] - last[1]) < 2) return; // keep the path short: skip tiny moves
      path.push("L" + p[0] + " " + p[1]); redraw();
    });
    ["pointerup", "pointercancel", "pointerleave"].forEach(function (t) {
      canvas.addEventListener(t, function () { drawing = false; });
    });
    clear.addEventListener("click", function () { path = []; redraw(); });
  });
})();
