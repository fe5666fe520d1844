// The stall board's service worker: the board opens with no signal (its last copy, the styles,
// the script and the icons), like the speaker it replaces. Network first, the cache only when
// the network fails, so a deployed change or fresh figures always win when there is a signal.
// Live data (the event stream, summaries, QR codes, every POST) is never cached.
"use strict";
var CACHE = "market-pay-board-v1";
var SHELL = ["/stall", "/static/market_pay.css", "/static/board.js", "/stall/manifest.webmanifest",
             "/static/board-icon-192.png", "/static/board-icon-512.png"];

self.addEventListener("install", function (event) {
  event.waitUntil(caches.open(CACHE).then(function (cache) {
    // The board page itself is cached on its first successful visit (below), with its session.
    return cache.addAll(SHELL.slice(1));
  }).then(function () { return self.skipWaiting(); }));
});

self.addEventListener("activate", function (event) {
  event.waitUntil(caches.keys().then(function (names) {
    return Promise.all(names.filter(function (n) { return n !== CACHE; }).map(function (n) { return caches.delete(n); }));
  }).then(function () { return self.clients.claim(); }));
});

self.addEventListener("fetch", function (event) {
  var request = event.request, url = new URL(request.url);
  if (request.method !== "GET" || url.origin !== self.location.origin) return;
  var path = url.pathname;
  if (SHELL.indexOf(path) < 0) return;                 // everything else: straight to the network
  event.respondWith(fetch(request).then(function (response) {
    // Only the board itself (not a redirect to the sign-in page) replaces the cached copy.
    if (response.ok && !response.redirected) {
      var copy = response.clone();
      caches.open(CACHE).then(function (cache) { cache.put(path, copy); });
    }
    return response;
  }).catch(function () {
    return caches.match(path).then(function (cached) { return cached || Response.error(); });
  }));
});

// Signing out forgets the cached board (it holds that session's page).
self.addEventListener("message", function (event) {
  if (event.data === "signed-out") event.waitUntil(caches.delete(CACHE));
});
