/* Body chart: press regions to draw pain or to choose a needle site.
   The form fields stay the truth (they work without this script); the chart is a view on them.
   Mouse, touch (click) and keyboard (Tab to a region, Space or Enter to press it). */
(function () {
  "use strict";
  document.documentElement.classList.add("js");

  var INTENSITY = /^i\d+$/;

  function regionOf(event) {
    var t = event.target;
    return t && t.getAttribute && t.getAttribute("data-region") ? t : null;
  }

  /* Regions become controls only here: without the script they are a picture, and the list is the form. */
  function pressable(svg, role, label, press) {
    svg.querySelectorAll("[data-region]").forEach(function (p) {
      p.setAttribute("tabindex", "0");
      p.setAttribute("role", role);
      p.setAttribute("aria-label", label + p.getAttribute("data-label"));
    });
    svg.addEventListener("click", function (e) {
      var r = regionOf(e);
      if (r) press(r);
    });
    svg.addEventListener("keydown", function (e) {
      var r = regionOf(e);
      if (r && (e.key === " " || e.key === "Enter")) {
        e.preventDefault();
        press(r);
      }
    });
  }

  /* Pain drawing: a press marks the region with the brush's intensity and quality, a second press clears it. */
  function painChart(svg) {
    var box = svg.closest("fieldset");
    var brush = box.querySelector("[data-brush]");
    var range = brush.querySelector("input[type=range]");
    var out = brush.querySelector("output");
    var summary = box.querySelector("[data-pain-summary]");
    brush.hidden = false;
    range.addEventListener("input", function () { out.value = range.value; });

    function row(code) { return box.querySelector('tr[data-row="' + code + '"]'); }

    function paint(code) {
      var tr = row(code);
      var poly = svg.querySelector('[data-region="' + code + '"]');
      var on = tr.querySelector("input[type=checkbox]").checked;
      var intensity = tr.querySelector('select[name^="intensity_"]').value;
      Array.prototype.slice.call(poly.classList).forEach(function (c) {
        if (INTENSITY.test(c)) poly.classList.remove(c);
      });
      poly.classList.toggle("marked", on);
      if (on && intensity !== "") poly.classList.add("i" + intensity);
      poly.setAttribute("aria-checked", on ? "true" : "false");
      tr.classList.toggle("marked", on);
      tr.classList.toggle("unmarked", !on);
      var n = box.querySelectorAll("tr.marked").length;
      summary.textContent = n ? n + " region" + (n > 1 ? "s" : "") + " marked (painful area is counted when saved)." : "No regions marked.";
    }

    pressable(svg, "checkbox", "", function (poly) {
      var tr = row(poly.getAttribute("data-region"));
      var box_ = tr.querySelector("input[type=checkbox]");
      box_.checked = !box_.checked;
      if (box_.checked) {
        tr.querySelector('select[name^="intensity_"]').value = range.value;
        var q = brush.querySelector("input[name=brush_quality]:checked");
        tr.querySelector('select[name^="quality_"]').value = q ? q.value : "aching";
      }
      paint(poly.getAttribute("data-region"));
    });
    svg.querySelectorAll("[data-region]").forEach(function (p) {
      var tr = row(p.getAttribute("data-region"));
      p.setAttribute("aria-checked", tr && tr.querySelector("input[type=checkbox]").checked ? "true" : "false");
    });
    box.querySelector("table.marks").addEventListener("change", function (e) {
      var tr = e.target.closest("tr[data-row]");
      if (tr) paint(tr.getAttribute("data-row"));
    });
  }

  /* Needle site: a press fills side and region and narrows the muscle list; the muscle's referral zone is shaded. */
  function siteChart(svg) {
    var data = JSON.parse(document.getElementById("chart-data").textContent);
    var form = document.querySelector("form.needle-form");
    var muscle = form.querySelector("[name=muscle]");
    var side = form.querySelector("[name=side]");
    var region = form.querySelector("[name=region]");
    var note = document.querySelector("[data-site-choice]");
    var all = Array.prototype.slice.call(muscle.options).map(function (o) { return [o.value, o.text]; });

    function shade() {
      var s = side.value === "right" ? "right" : "left";
      var site = (data.site[muscle.value] || {})[s];
      var zone = (data.referral[muscle.value] || {})[s] || [];
      svg.querySelectorAll("[data-region]").forEach(function (p) {
        var code = p.getAttribute("data-region");
        p.classList.toggle("site", code === site);
        p.classList.toggle("referral", zone.indexOf(code) >= 0);
      });
    }

    // The clinician's last muscle at each region, in this browser only (a muscle code: nothing about the patient).
    var pressed = null;
    function remembered(code) {
      try { return window.localStorage.getItem("dryneedle.muscle." + code) || ""; } catch (e) { return ""; }
    }
    function remember() {
      if (!pressed || !muscle.value) return;
      try { window.localStorage.setItem("dryneedle.muscle." + pressed, muscle.value); } catch (e) { /* private mode */ }
    }

    // The muscles under the pressed region, and none chosen for the clinician unless the choice is plain: the one
    // already chosen if it lies there, the clinician's last choice here, or the only muscle (issue 18: the first in
    // the list was preselected silently, quadratus lumborum for every low back).
    function setMuscles(codes, code) {
      var keep = muscle.value;
      muscle.innerHTML = "";
      all.forEach(function (pair) {
        if (pair[0] === "" || !codes.length || codes.indexOf(pair[0]) >= 0) {
          var o = document.createElement("option");
          o.value = pair[0];
          o.text = pair[1];
          muscle.add(o);
        }
      });
      var last = remembered(code);
      if (!codes.length || codes.indexOf(keep) >= 0) muscle.value = keep;
      else if (codes.indexOf(last) >= 0) muscle.value = last;
      else muscle.value = codes.length === 1 ? codes[0] : "";
      return muscle.value;
    }

    pressable(svg, "button", "Needle site: ", function (poly) {
      var code = poly.getAttribute("data-region");
      var codes = data.over[code] || [];
      var s = poly.getAttribute("data-side");
      side.value = s === "midline" ? "midline" : s;
      var scr = poly.getAttribute("data-screening");
      region.value = scr && region.querySelector('option[value="' + scr + '"]') ? scr : "";
      pressed = code;
      var chosen = setMuscles(codes, code);
      note.textContent = poly.getAttribute("data-label") + ": " +
        (codes.length ? codes.length + " muscle" + (codes.length > 1 ? "s" : "") + " listed" : "no catalogued muscle lies here; all are listed") +
        (chosen ? "." : ": choose the muscle.");
      shade();
    });
    muscle.addEventListener("change", function () { remember(); shade(); });
    side.addEventListener("change", shade);
    shade();
  }

  document.querySelectorAll("svg.bodychart").forEach(function (svg) {
    var mode = svg.getAttribute("data-mode");
    if (mode === "pain") painChart(svg);
    if (mode === "site" && document.getElementById("chart-data")) siteChart(svg);
  });
})();
