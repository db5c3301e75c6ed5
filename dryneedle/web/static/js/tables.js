/* A table wider than a phone scrolls inside its own box (.table-wrap), not the whole page (WCAG 2.1
   1.4.10, reflow). A box that really scrolls becomes one keyboard stop, named for its table, so that it
   can be scrolled with the arrow keys; a box that fits stays out of the tab order. Without this script
   the box still scrolls with a finger or a mouse. */
(function () {
  function name(box) {
    var table = box.querySelector("table");
    var caption = table && table.querySelector("caption");
    var text = caption ? caption.textContent : "";
    if (!text) {
      var heading = box.previousElementSibling;
      while (heading && !/^H[1-6]$/.test(heading.tagName)) heading = heading.previousElementSibling;
      text = heading ? heading.textContent : "";
    }
    text = text.replace(/\s+/g, " ").trim();
    return (text ? text + ": table" : "Table") + " (scrolls sideways)";
  }
  function mark() {
    document.querySelectorAll(".table-wrap").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth + 1) {
        box.tabIndex = 0;
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", name(box));
      } else {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  mark();
  window.addEventListener("resize", mark);
  document.addEventListener("toggle", mark, true); /* a <details> opened */
})();
