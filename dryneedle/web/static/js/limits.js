// Text limits said before anything is cut (issue 18). A browser silently cuts what is typed or pasted past a field's
// maxlength; here the attribute is taken off and the field says how much is left near its limit, and that it is too
// long past it. The server refuses an over-long value whole with a form error, so nothing is ever cut or half-saved.
(function () {
  var fields = document.querySelectorAll("input[maxlength], textarea[maxlength]");
  fields.forEach(function (el, i) {
    var max = parseInt(el.getAttribute("maxlength"), 10);
    if (!(max > 0) || el.type === "password") return;
    el.removeAttribute("maxlength");
    el.setAttribute("data-max", String(max));
    var note = document.createElement("span");
    note.className = "helptext limit";
    note.id = (el.id || "field-" + i) + "-limit";
    note.setAttribute("aria-live", "polite");
    note.hidden = true;
    el.insertAdjacentElement("afterend", note);
    el.setAttribute("aria-describedby", ((el.getAttribute("aria-describedby") || "") + " " + note.id).trim());
    function update() {
      var n = Array.from(el.value).length; // characters, as the server counts them
      if (n > max) {
        note.textContent = "Too long: " + n + " characters, at most " + max + ". Shorten it before saving.";
        note.classList.add("over");
        note.hidden = false;
        el.setAttribute("aria-invalid", "true");
      } else if (n >= Math.floor(max * 0.9)) {
        note.textContent = (max - n) + " characters left (at most " + max + ").";
        note.classList.remove("over");
        note.hidden = false;
        el.removeAttribute("aria-invalid");
      } else {
        note.hidden = true;
        el.removeAttribute("aria-invalid");
      }
    }
    el.addEventListener("input", update);
    update();
  });
})();
