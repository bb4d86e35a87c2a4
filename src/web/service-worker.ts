// GET /sw.js: the service worker behind web push opt-in. It shows what the server pushed
// ({ title, body, url }, src/channels/push.ts) and opens the url on click. Nothing is cached.
export const SERVICE_WORKER = String.raw`"use strict";
self.addEventListener("install", function () { self.skipWaiting(); });
self.addEventListener("activate", function (event) { event.waitUntil(self.clients.claim()); });
self.addEventListener("push", function (event) {
  var data = {};
  try { data = event.data ? event.data.json() : {}; } catch (err) { data = { body: event.data ? event.data.text() : "" }; }
  event.waitUntil(self.registration.showNotification(data.title || "An appointment opened up", {
    body: data.body || "",
    data: { url: typeof data.url === "string" ? data.url : null },
  }));
});
self.addEventListener("notificationclick", function (event) {
  event.notification.close();
  var url = event.notification.data && event.notification.data.url;
  // Only web addresses: a pushed "javascript:" or "data:" URL is never opened.
  if (!url || !/^https?:\/\//.test(url)) url = "/";
  event.waitUntil(self.clients.openWindow(url));
});
`;
