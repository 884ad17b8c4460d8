/* LDN Diary service worker. It caches only the static files (styles, scripts,
   icons) of the check-in and trends pages, whose names carry a content hash.
   Pages and API answers always come from the network and are never stored, so
   no diary data is kept by it. Log-out deletes the cache. */
"use strict";
var CACHE = "ldn-static-{{ version }}";
var FILES = {{ files_json|safe }};

self.addEventListener("install", function (event) {
  event.waitUntil(
    caches.open(CACHE).then(function (cache) {
      return cache.addAll(FILES);
    }).then(function () {
      return self.skipWaiting();
    })
  );
});

self.addEventListener("activate", function (event) {
  event.waitUntil(
    caches.keys().then(function (names) {
      return Promise.all(names.filter(function (name) {
        return name.indexOf("ldn-static-") === 0 && name !== CACHE;
      }).map(function (name) {
        return caches.delete(name);
      }));
    }).then(function () {
      return self.clients.claim();
    })
  );
});

self.addEventListener("fetch", function (event) {
  var request = event.request;
  if (request.method !== "GET") return;
  var url = new URL(request.url);
  if (url.origin !== self.location.origin || FILES.indexOf(url.pathname) < 0) {
    return; // Everything else, pages and data included, goes to the network.
  }
  event.respondWith(
    caches.open(CACHE).then(function (cache) {
      return cache.match(url.pathname).then(function (hit) {
        return hit || fetch(request).then(function (response) {
          if (response.ok) cache.put(url.pathname, response.clone());
          return response;
        });
      });
    })
  );
});
