// The quick entry of the street unit. Every entry goes to the local queue first (queue.js),
// then to POST /api/v1/outreach/sync when there is a connection: on page load, on the
// "online" event and with the "Send now" button. See ponte/outreach/SYNC_CONTRACT.md.
"use strict";
(function () {
  const root = document.getElementById("quick");
  if (!root || !window.PonteQueue || !window.indexedDB) { return; }
  const Q = window.PonteQueue;
  const $ = function (id) { return document.getElementById(id); };
  const msg = function (key, n) {
    const text = root.getAttribute("data-msg-" + key) || "";
    return n === undefined ? text : text.replace("{n}", String(n));
  };
  const user = root.getAttribute("data-user");
  const BATCH = 100; // the API takes at most 200 entries per call
  let syncing = false;
  let pending = 0; // this user's entries not yet on the server
  let retries = 0; // a failed send is tried again later: 3 s, 10 s, 30 s, then every minute
  let retryTimer = null;

  // --- helpers -----------------------------------------------------------------------------
  function uuid() {
    if (window.crypto && crypto.randomUUID) { return crypto.randomUUID(); }
    // Pages served over plain http on a LAN have no randomUUID: build a v4 one.
    const b = crypto.getRandomValues(new Uint8Array(16));
    b[6] = (b[6] & 0x0f) | 0x40; b[8] = (b[8] & 0x3f) | 0x80;
    const h = Array.from(b, function (x) { return x.toString(16).padStart(2, "0"); }).join("");
    return h.slice(0, 8) + "-" + h.slice(8, 12) + "-" + h.slice(12, 16) + "-" + h.slice(16, 20) + "-" + h.slice(20);
  }
  function checked(form, name) {
    return Array.from(form.querySelectorAll("input[name='" + name + "']:checked"), function (i) { return i.value; });
  }
  function radio(form, name) { return checked(form, name)[0] || ""; }
  function intValue(input) { const n = parseInt(input.value, 10); return Number.isFinite(n) && n > 0 ? n : 0; }
  function say(text) { $("sync-message").textContent = text; }
  function nowTime() {
    const d = new Date();
    return String(d.getHours()).padStart(2, "0") + ":" + String(d.getMinutes()).padStart(2, "0");
  }
  function mine(entry) { return entry.owner === user; }
  async function openOuting() {
    return (await Q.all()).find(function (e) { return mine(e) && e.kind === "outing" && e.state === "draft"; });
  }

  // --- what the page shows --------------------------------------------------------------------
  async function render() {
    const all = await Q.all();
    const own = all.filter(mine);
    pending = own.length;
    $("queue-count").textContent = pending ? msg("pending", pending) : msg("none");
    const others = all.length - own.length;
    $("others-count").hidden = others === 0;
    $("others-count").textContent = others ? msg("others", others) : "";
    $("send-now").disabled = syncing || !navigator.onLine || !own.some(function (e) { return e.state === "ready"; });
    const rejected = own.filter(function (e) { return e.state === "rejected"; });
    $("rejected").hidden = rejected.length === 0;
    const list = $("rejected-list");
    list.replaceChildren();
    rejected.forEach(function (entry) {
      const li = document.createElement("li");
      const title = document.createElement("strong");
      title.textContent = (entry.kind === "outing" ? msg("outing") : msg("contact")) +
        (entry.data.alias ? " «" + entry.data.alias + "»" : "") + " — " + (entry.created || "").slice(0, 16).replace("T", " ");
      li.appendChild(title);
      const reasons = document.createElement("ul");
      Object.entries(entry.errors || {}).forEach(function (pair) {
        const item = document.createElement("li");
        item.textContent = (pair[0] === "__all__" ? "" : pair[0] + ": ") + [].concat(pair[1]).join(" ");
        reasons.appendChild(item);
      });
      li.appendChild(reasons);
      const discard = document.createElement("button");
      discard.type = "button";
      discard.className = "btn btn-outline-danger btn-sm";
      discard.textContent = msg("discard-button");
      discard.addEventListener("click", async function () {
        if (window.confirm(msg("discard"))) { await Q.remove([entry.id]); await render(); }
      });
      li.appendChild(discard);
      list.appendChild(li);
    });
    const outing = own.find(function (e) { return e.kind === "outing" && e.state === "draft"; });
    $("outing-form").hidden = Boolean(outing);
    $("outing-active").hidden = !outing;
    if (outing) {
      const place = outing.placeLabel || outing.data.place_note || "";
      $("outing-summary").textContent = [place, msg("since") + " " + (outing.data.start_time || "")].filter(Boolean).join(" · ");
      $("people-count").textContent = String(outing.contacts || 0);
    }
  }

  function showNetwork() {
    const status = $("net-status");
    status.textContent = navigator.onLine ? msg("online") : msg("offline");
    status.classList.toggle("is-offline", !navigator.onLine);
  }

  // --- recording -----------------------------------------------------------------------------
  $("outing-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const place = $("o-place");
    const note = $("o-place-note").value.trim();
    const error = $("outing-error");
    if (!place.value && !note) {
      error.textContent = msg("place-missing");
      error.hidden = false;
      place.focus();
      return;
    }
    error.hidden = true;
    const data = {
      access_point: $("o-pua").value,
      date: $("o-date").value,
      start_time: $("o-start").value,
      method: radio(form, "method") || "territorial",
      place_ids: place.value ? [place.value] : [],
      place_note: note,
      materials: [],
      people_met: [],
      logbook: "",
      safety_incident: "",
    };
    await Q.put({
      id: uuid(), kind: "outing", state: "draft", owner: user, created: new Date().toISOString(),
      data: data, contacts: 0, placeLabel: place.value ? place.options[place.selectedIndex].text : note,
    });
    await render();
    $("add-person").focus();
  });

  $("add-person").addEventListener("click", function () {
    $("person-form").hidden = false;
    $("add-person").hidden = true;
    $("p-alias").focus();
  });

  function closePersonForm() {
    const form = $("person-form");
    form.reset();
    $("p-nationality-other-field").hidden = true;
    form.querySelectorAll("details").forEach(function (d) { d.open = false; });
    form.hidden = true;
    $("add-person").hidden = false;
  }
  $("person-cancel").addEventListener("click", function () { closePersonForm(); $("add-person").focus(); });

  $("p-nationality").addEventListener("change", function () {
    $("p-nationality-other-field").hidden = this.value !== "other";
    if (this.value === "other") { $("p-nationality-other").focus(); }
  });

  $("person-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const outing = await openOuting();
    if (!outing) { await render(); return; }
    let nationality = $("p-nationality").value;
    if (nationality === "other") { nationality = $("p-nationality-other").value.trim().toUpperCase(); }
    const data = {
      outing_id: outing.id,
      channel: outing.data.method === "digital" ? "digital" : "street",
      met_at: new Date().toISOString(),
      alias: $("p-alias").value.trim(),
      gender: radio(form, "gender") || "unknown",
      age_band: radio(form, "age_band") || "unknown",
      nationality: nationality,
      languages: checked(form, "languages"),
      sector: radio(form, "sector"),
      needs: checked(form, "needs"),
      signals: checked(form, "signals"),
      information_given: $("p-info").value.trim(),
      next_step: radio(form, "next_step") || "none",
      consent_recontact: $("p-consent").checked,
      safe_contact_note: $("p-safe-contact").value.trim(),
    };
    await Q.put({ id: uuid(), kind: "contact", state: "ready", owner: user, created: new Date().toISOString(), data: data });
    outing.contacts = (outing.contacts || 0) + 1;
    await Q.put(outing);
    closePersonForm();
    await render();
    say(msg("saved"));
    $("add-person").focus();
  });

  // People counted only: one row per group (how many, gender, age band, nationality).
  let peopleRows = 0;
  function addPeopleRow() {
    const row = $("people-row-template").content.firstElementChild.cloneNode(true);
    peopleRows += 1;
    row.querySelectorAll("[data-field]").forEach(function (input) {
      input.id = "g" + peopleRows + "-" + input.getAttribute("data-field");
      input.name = input.id;
    });
    row.querySelectorAll("label[data-for]").forEach(function (label) {
      label.htmlFor = "g" + peopleRows + "-" + label.getAttribute("data-for");
    });
    $("people-rows").appendChild(row);
    return row;
  }
  function resetPeopleRows() {
    $("people-rows").replaceChildren();
    addPeopleRow();
  }
  $("people-rows").addEventListener("change", function (event) {
    const select = event.target;
    if (select.getAttribute("data-field") !== "nationality") { return; }
    const other = select.closest(".people-row").querySelector("[data-other]");
    other.hidden = select.value !== "other";
    if (select.value === "other") { other.querySelector("input").focus(); }
  });
  $("add-people-row").addEventListener("click", function () {
    addPeopleRow().querySelector("input").focus();
  });

  $("end-form").addEventListener("submit", async function (event) {
    event.preventDefault();
    const form = event.target;
    const outing = await openOuting();
    if (!outing) { await render(); return; }
    const people = [];
    $("people-rows").querySelectorAll(".people-row").forEach(function (row) {
      const field = function (name) { return row.querySelector("[data-field='" + name + "']"); };
      const count = intValue(field("count"));
      if (!count) { return; }
      let nationality = field("nationality").value;
      if (nationality === "other") { nationality = field("nationality_other").value.trim().toUpperCase(); }
      people.push({ gender: field("gender").value, age_band: field("age_band").value, nationality: nationality, count: count });
    });
    const language = $("m-language").value;
    const materials = [];
    form.querySelectorAll("input[name^='material_']").forEach(function (input) {
      const quantity = intValue(input);
      if (quantity) { materials.push({ kind: input.name.slice(9), language: language, quantity: quantity }); }
    });
    outing.data.end_time = nowTime();
    outing.data.people_met = people;
    outing.data.materials = materials;
    outing.data.logbook = $("e-logbook").value.trim();
    outing.data.safety_incident = $("e-incident").value.trim();
    outing.state = "ready";
    await Q.put(outing);
    form.reset();
    resetPeopleRows();
    $("outing-form").reset();
    $("o-start").value = nowTime();
    await render();
    say(msg("outing-saved"));
    $("o-pua").focus();
    sync();
  });

  // --- sending -------------------------------------------------------------------------------
  async function freshToken() {
    const response = await fetch(root.getAttribute("data-csrf-url"), {
      credentials: "same-origin", cache: "no-store", headers: { Accept: "application/json" },
    });
    if (!response.ok || response.redirected) { return null; }
    try { return (await response.json()).csrfToken || null; } catch (e) { return null; }
  }

  function retryLater() {
    const delays = [3000, 10000, 30000, 60000];
    clearTimeout(retryTimer);
    retryTimer = setTimeout(sync, delays[Math.min(retries, delays.length - 1)]);
    retries += 1;
  }

  async function sync() {
    if (syncing || !navigator.onLine) { return; }
    clearTimeout(retryTimer);
    const own = (await Q.all()).filter(mine);
    const drafts = new Set(own.filter(function (e) { return e.state === "draft"; }).map(function (e) { return e.id; }));
    // Outings first, so that the contacts of the same payload can link to them.
    const ready = own.filter(function (e) {
      return e.state === "ready" && !(e.kind === "contact" && drafts.has(e.data.outing_id));
    }).sort(function (a, b) {
      return (a.kind === "outing" ? 0 : 1) - (b.kind === "outing" ? 0 : 1) || a.created.localeCompare(b.created);
    });
    if (!ready.length) { return; }
    syncing = true;
    await render();
    say(msg("sending"));
    let sent = 0;
    try {
      const token = await freshToken();
      if (!token) { say(msg("signin")); return; }
      for (let i = 0; i < ready.length; i += BATCH) {
        const batch = ready.slice(i, i + BATCH);
        const response = await fetch(root.getAttribute("data-sync-url"), {
          method: "POST",
          credentials: "same-origin",
          cache: "no-store",
          headers: { "Content-Type": "application/json", Accept: "application/json", "X-CSRFToken": token },
          body: JSON.stringify({ entries: batch.map(function (e) { return { kind: e.kind, id: e.id, data: e.data }; }) }),
        });
        if (response.status === 401 || response.status === 403 || response.redirected) { say(msg("signin")); return; }
        if (!response.ok) {
          let detail = "";
          try { detail = (await response.json()).detail || ""; } catch (e) { /* not JSON */ }
          say(msg("failed") + (detail ? " (" + detail + ")" : ""));
          if (response.status >= 500) { retryLater(); }
          return;
        }
        const results = (await response.json()).results || [];
        const done = [];
        for (const result of results) {
          if (result.status === "created" || result.status === "already_synced") {
            done.push(result.id);
          } else if (result.status === "rejected") {
            const entry = batch.find(function (e) { return e.id === result.id; });
            if (entry) {
              entry.state = "rejected";
              entry.errors = result.errors || {};
              await Q.put(entry);
            }
          }
        }
        await Q.remove(done);
        sent += done.length;
      }
      retries = 0;
      say(msg("sent", sent));
    } catch (error) {
      say(msg("failed"));
      retryLater();
    } finally {
      syncing = false;
      await render();
    }
  }

  $("send-now").addEventListener("click", function () { sync(); });
  window.addEventListener("online", function () { showNetwork(); render().then(sync); });
  window.addEventListener("offline", function () { showNetwork(); render(); });

  // --- start ----------------------------------------------------------------------------------
  document.querySelectorAll("fieldset.js-enable").forEach(function (f) { f.disabled = false; });
  resetPeopleRows();
  showNetwork();
  // Keep the options fresh in the worker's cache while there is a connection: after the
  // queue is sent, one request at a time on a weak signal.
  function refreshOptions() {
    if (!navigator.onLine) { return null; }
    return fetch(root.getAttribute("data-options-url"), { credentials: "same-origin" }).catch(function () {});
  }
  // The worker that keeps the page for offline use; tried again later if it fails to install.
  function registerWorker(attempt) {
    if (!("serviceWorker" in navigator)) { return; }
    navigator.serviceWorker.register(root.getAttribute("data-sw-url"), { scope: "/outreach/" }).catch(function () {
      if (attempt < 5) { setTimeout(function () { registerWorker(attempt + 1); }, 5000 * (attempt + 1)); }
    });
  }
  render().then(sync).then(refreshOptions).then(function () { registerWorker(0); });
})();
