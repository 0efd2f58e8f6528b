// The report page's progress line: asks the server every two seconds how the build goes and
// writes the step into a polite live region (a screen reader hears it, keyboard focus stays
// where it is); when the build has ended, the page is loaded once more to show the files.
// Without this script the page still works: its link shows the state on request.
(function () {
  "use strict";
  var box = document.getElementById("progress");
  if (!box) { return; }
  var step = box.querySelector("[data-step]");
  var url = box.getAttribute("data-status-url");
  var done = box.getAttribute("data-done-url");
  function ask() {
    fetch(url, { credentials: "same-origin", cache: "no-store" })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.status === "running") {
          if (s.step && step && step.textContent !== s.step) { step.textContent = s.step; }
          window.setTimeout(ask, 2000);
        } else {
          window.location.assign(done);
        }
      })
      .catch(function () { window.setTimeout(ask, 4000); });
  }
  window.setTimeout(ask, 2000);
})();
