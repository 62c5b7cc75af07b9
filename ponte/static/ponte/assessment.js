// Indicator form: progressive enhancement only. Without this file every row shows its
// source, date and note; with it, those show once the indicator is ticked, so the page
// stays short on a phone. Nothing is submitted differently.
(function () {
  "use strict";

  function setUp(row) {
    var box = row.querySelector('input[type="checkbox"][name$="__observed"]');
    var details = row.querySelector(".indicator-details");
    if (!box || !details) {
      return;
    }
    function sync(focus) {
      var show = box.checked || row.classList.contains("has-error");
      details.hidden = !show;
      if (show && focus) {
        var source = details.querySelector("select");
        if (source && !source.value) {
          source.focus();
        }
      }
    }
    box.addEventListener("change", function () {
      sync(true);
    });
    sync(false);
  }

  function init() {
    var rows = document.querySelectorAll(".assessment-form .indicator-row");
    for (var i = 0; i < rows.length; i++) {
      setUp(rows[i]);
    }
  }

  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", init);
  } else {
    init();
  }
})();
