// Quick exit for the public guide. The exit button is a plain link to a neutral site, so it
// works without JavaScript; with it, the guide page is replaced in the history (the Back
// button does not return to it) and the content is hidden at once, before the next site loads.
// Pressing Escape twice within a second does the same.
(function () {
  "use strict";
  var link = document.getElementById("quick-exit");
  if (!link) { return; }
  var target = link.href;
  var lastEscape = 0;

  function leave(event) {
    if (event) { event.preventDefault(); }
    document.documentElement.classList.add("guide-leaving");
    document.title = "";
    window.location.replace(target);
  }

  link.addEventListener("click", leave);
  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape" && event.key !== "Esc") { return; }
    var now = Date.now();
    if (now - lastEscape < 1000) {
      leave(event);
    } else {
      lastEscape = now;
    }
  });
})();
