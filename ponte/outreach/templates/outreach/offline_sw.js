/* Ponte outreach service worker (scope /outreach/): the quick-entry page opens with no signal.
 * The page and the options JSON: network first, the cached copy when offline.
 * Static files: cache first. Anything else (the sync POST, the CSRF token, other pages)
 * goes to the network untouched. Served by a Django view, never cached by the browser. */
"use strict";

const CACHE = "{{ cache_name }}";
const PRECACHE = {{ precache|safe }};
const OPTIONAL = {{ optional|safe }};
const PAGE = {{ page_url|safe }};

function cacheable(response) {
  // A redirect (to the sign-in page, when the session expired) is never kept as the page.
  return response && response.ok && response.type === "basic" && !response.redirected;
}

/* The web fonts named by fonts.css, so that a page opened offline keeps its type. */
async function precacheFonts(cache, cssUrl, response) {
  const css = await response.text();
  for (const match of css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)) {
    if (!match[1].endsWith(".woff2")) { continue; }  // every browser with a service worker reads woff2
    const url = new URL(match[1], new URL(cssUrl, self.location.origin)).pathname;
    try {
      const font = await fetch(url, { credentials: "same-origin" });
      if (cacheable(font)) { await cache.put(url, font); }
    } catch (e) { /* the system font will do */ }
  }
}

async function precache() {
  const cache = await caches.open(CACHE);
  for (const url of PRECACHE) {
    const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
    if (!cacheable(response)) { throw new Error("precache failed: " + url); }
    if (url.endsWith("/fonts.css")) { await precacheFonts(cache, url, response.clone()); }
    await cache.put(url, response);
  }
  for (const url of OPTIONAL) {
    try {
      const response = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (cacheable(response)) { await cache.put(url, response); }
    } catch (e) { /* the options are fetched again by the page when online */ }
  }
}

self.addEventListener("install", (event) => {
  event.waitUntil(precache().then(() => self.skipWaiting()));
});

self.addEventListener("activate", (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (name.startsWith("ponte-outreach-") && name !== CACHE) { await caches.delete(name); }
    }
    await self.clients.claim();
  })());
});

async function networkFirst(request, key) {
  const cache = await caches.open(CACHE);
  try {
    const response = await fetch(request);
    if (cacheable(response)) { await cache.put(key, response.clone()); }
    return response;
  } catch (error) {
    const cached = await cache.match(key);
    if (cached) { return cached; }
    throw error;
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(CACHE);
  const cached = await cache.match(request, { ignoreSearch: true });
  if (cached) { return cached; }
  const response = await fetch(request);
  if (cacheable(response)) { await cache.put(request, response.clone()); }
  return response;
}

self.addEventListener("fetch", (event) => {
  const request = event.request;
  if (request.method !== "GET") { return; }
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) { return; }
  if (url.pathname === PAGE) {
    event.respondWith(networkFirst(request, PAGE));
  } else if (OPTIONAL.includes(url.pathname)) {
    event.respondWith(networkFirst(request, url.pathname));
  } else if (url.pathname.startsWith("/static/")) {
    event.respondWith(cacheFirst(request));
  }
});

/* The page asks to forget the cached copies (sign-out on a shared phone). */
self.addEventListener("message", (event) => {
  if (event.data && event.data.type === "forget") {
    event.waitUntil((async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith("ponte-outreach-")) { await caches.delete(name); }
      }
    })());
  }
});
