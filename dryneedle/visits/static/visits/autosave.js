/* Save as you go (issue 18, defect 13): each part of a draft visit's note is saved when a field changes, so
   nothing typed is lost if the page is left; the status beside the Save button says when it was saved, or why
   not (the fields' own messages come with the next Save). Without this script the Save buttons do the same. */
(function () {
  document.querySelectorAll("form[data-autosave]").forEach(function (form) {
    var status = form.querySelector("[data-autosave-status]");
    var timer = null, busy = false, again = false;
    function say(text) { if (status) status.textContent = text; }
    function save() {
      if (busy) { again = true; return; }
      busy = true;
      say("Saving…");
      fetch(form.action, {
        method: "POST", body: new FormData(form), credentials: "same-origin",
        headers: { "X-Autosave": "1", "Accept": "application/json" }
      }).then(function (r) {
        return r.json().then(function (body) { return { ok: r.ok, body: body }; });
      }).then(function (res) {
        say(res.ok ? "Saved at " + res.body.saved + "." : "Not saved: " + res.body.detail);
      }).catch(function () {
        say("Not saved: the connection failed. Press Save to try again.");
      }).then(function () {
        busy = false;
        if (again) { again = false; save(); }
      });
    }
    form.addEventListener("change", function () {
      clearTimeout(timer);
      timer = setTimeout(save, 400);
    });
  });
})();
