/* A print button where the page offers one; without this script the browser's own Print works the same. */
document.querySelectorAll("[data-print]").forEach(function (b) {
  b.hidden = false;
  b.addEventListener("click", function () { window.print(); });
});
