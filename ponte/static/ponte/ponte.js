// Progressive enhancement only: every page works without this file.
document.addEventListener("DOMContentLoaded", function () {
  // Move focus to the error summary so screen-reader users hear what went wrong.
  var errors = document.getElementById("form-errors");
  if (errors) { errors.focus(); }
  // Confirm destructive actions (forms marked data-confirm).
  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });
  // Signing out with outreach entries still on this phone (IndexedDB "ponte-outreach", store
  // "queue", filled by the quick entry): ask first. The database is never created here.
  document.querySelectorAll("form[action$='/accounts/logout/']").forEach(function (form) {
    var confirmed = false;
    form.addEventListener("submit", function (event) {
      if (confirmed || !window.indexedDB) { return; }
      event.preventDefault();
      unsentEntries().then(function (n) {
        var text = (form.getAttribute("data-unsent") || "").replace("{n}", String(n));
        if (n > 0 && !window.confirm(text)) { return; }
        confirmed = true;
        // The outreach page kept offline names the user: forget it.
        if (navigator.serviceWorker && navigator.serviceWorker.controller) {
          navigator.serviceWorker.controller.postMessage({ type: "forget" });
        }
        form.submit();
      });
    });
  });
  // Submit the language form as soon as a language is picked.
  var lang = document.getElementById("lang-select");
  if (lang) { lang.addEventListener("change", function () { lang.form.submit(); }); }
  // Places: fill latitude and longitude from the phone, only when the worker asks (5 decimals,
  // about a metre: the precision the model keeps).
  document.querySelectorAll("[data-fill-position]").forEach(function (button) {
    if (!("geolocation" in navigator)) { return; }
    var wrapper = button.closest(".use-position");
    var status = wrapper.querySelector(".position-status");
    wrapper.hidden = false;
    button.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (position) {
        document.querySelector(button.dataset.lat).value = position.coords.latitude.toFixed(5);
        document.querySelector(button.dataset.lon).value = position.coords.longitude.toFixed(5);
        status.textContent = "";
      }, function () {
        status.textContent = button.dataset.failed;
      }, { enableHighAccuracy: false, timeout: 10000, maximumAge: 60000 });
    });
  });
});

// How many outreach entries wait in this browser; 0 when there is no queue (or on any error).
function unsentEntries() {
  var NAME = "ponte-outreach";
  var exists = indexedDB.databases
    ? indexedDB.databases().then(function (list) {
      return list.some(function (db) { return db.name === NAME; });
    }, function () { return true; })
    : Promise.resolve(true); // checked below: an open that would create it is aborted
  return exists.then(function (found) {
    if (!found) { return 0; }
    return new Promise(function (resolve) {
      var request;
      try { request = indexedDB.open(NAME); } catch (e) { resolve(0); return; }
      request.onupgradeneeded = function () { request.transaction.abort(); }; // did not exist
      request.onerror = function () { resolve(0); };
      request.onblocked = function () { resolve(0); };
      request.onsuccess = function () {
        var db = request.result;
        if (!db.objectStoreNames.contains("queue")) { db.close(); resolve(0); return; }
        var count = db.transaction("queue", "readonly").objectStore("queue").count();
        count.onsuccess = function () { db.close(); resolve(count.result); };
        count.onerror = function () { db.close(); resolve(0); };
      };
    });
  });
}
