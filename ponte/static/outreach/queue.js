// The local queue of the quick entry: IndexedDB database "ponte-outreach", object store
// "queue", one record per outing or contact waiting to be sent, keyed by its client-made UUID.
// Nothing else is stored on the phone; a record is deleted as soon as the server has it.
"use strict";
(function () {
  const DB_NAME = "ponte-outreach";
  const STORE = "queue";
  let opening = null;

  function open() {
    if (!opening) {
      opening = new Promise(function (resolve, reject) {
        const request = indexedDB.open(DB_NAME, 1);
        request.onupgradeneeded = function () {
          if (!request.result.objectStoreNames.contains(STORE)) {
            request.result.createObjectStore(STORE, { keyPath: "id" });
          }
        };
        request.onsuccess = function () { resolve(request.result); };
        request.onerror = function () { opening = null; reject(request.error); };
      });
    }
    return opening;
  }

  async function run(mode, work) {
    const db = await open();
    return new Promise(function (resolve, reject) {
      const tx = db.transaction(STORE, mode);
      const result = work(tx.objectStore(STORE));
      tx.oncomplete = function () { resolve(result && "result" in result ? result.result : undefined); };
      tx.onerror = function () { reject(tx.error); };
      tx.onabort = function () { reject(tx.error); };
    });
  }

  window.PonteQueue = {
    all: function () { return run("readonly", function (store) { return store.getAll(); }); },
    get: function (id) { return run("readonly", function (store) { return store.get(id); }); },
    put: function (entry) { return run("readwrite", function (store) { store.put(entry); }); },
    remove: function (ids) {
      return run("readwrite", function (store) { ids.forEach(function (id) { store.delete(id); }); });
    },
  };
})();
