// Warns before an idle session ends and lets the person stay logged in.
// The server ends idle sessions by itself; this only gives a chance to extend in time.
(function () {
  "use strict";
  var body = document.body;
  var idleSeconds = parseInt(body.dataset.sessionIdle || "0", 10);
  var dialog = document.getElementById("session-warning");
  if (!idleSeconds || !dialog || typeof dialog.showModal !== "function") return;
  var warnBefore = 5 * 60;
  var timer = null;

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(function () { dialog.showModal(); }, Math.max(idleSeconds - warnBefore, 10) * 1000);
  }

  dialog.querySelector("form").addEventListener("submit", function (event) {
    event.preventDefault();
    var token = dialog.querySelector('input[name="csrf_token"]').value;
    fetch("/session/forlaeng", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": token },
      body: "{}"
    }).then(function (response) {
      if (response.ok) { dialog.close(); schedule(); } else { window.location.assign("/"); }
    });
  });
  schedule();
})();
