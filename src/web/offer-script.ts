// The offer page's one small script (inlined with the response's CSP nonce; no framework). It only
// enhances a page that already works without it:
// - the hold countdown, from the milliseconds left by the server's clock (never the phone's clock);
// - live status over SSE (GET /o/:token/events): when the opening is filled by someone else the page
//   turns to "taken" and lists the alternatives (GET /api/public/offers/:token/alternatives) as one-tap
//   forms; any other change reloads the page, which the server renders in its new state;
// - web push opt-in, offered only where the browser has a service worker and PushManager.
// Plain ES2017, no template literals (this file is one), no inline handlers (the CSP forbids them).
// biome-ignore lint/complexity/noUselessStringRaw: raw, so a backslash written in the script reaches the browser as written
export const OFFER_SCRIPT = String.raw`(function () {
  "use strict";
  var main = document.getElementById("main");
  if (!main || !main.getAttribute("data-token")) return;
  var token = main.getAttribute("data-token");
  var state = main.getAttribute("data-state");
  var base = "/o/" + encodeURIComponent(token);
  var api = "/api/public/offers/" + encodeURIComponent(token);
  var live = document.getElementById("live");
  var leaving = false;
  var events = null;
  var timer = null;

  function say(text) { if (live) live.textContent = text; }
  function el(name, attrs, children) {
    var node = document.createElement(name);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    (children || []).forEach(function (c) { node.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return node;
  }
  function stopLive() {
    if (events) { events.close(); events = null; }
    if (timer) { clearInterval(timer); timer = null; }
  }
  function reload() { if (!leaving) { leaving = true; stopLive(); location.reload(); } }

  // A form is on its way: no more live changes, and no second tap.
  document.addEventListener("submit", function (e) {
    leaving = true;
    stopLive();
    var form = e.target;
    setTimeout(function () {
      Array.prototype.forEach.call(document.querySelectorAll("form button"), function (b) { b.disabled = true; });
      var button = form.querySelector("button");
      if (button) button.setAttribute("aria-busy", "true");
    }, 0);
  });

  // ---- the countdown ----
  var countdown = document.getElementById("countdown");
  var left = Number(main.getAttribute("data-remaining-ms"));
  if (countdown && state === "open" && left > 0) {
    var endsAt = performance.now() + left;
    var warned = {};
    var pad = function (n) { return (n < 10 ? "0" : "") + n; };
    var tick = function () {
      var ms = Math.max(0, endsAt - performance.now());
      var s = Math.ceil(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
      countdown.textContent = "(" + (h > 0 ? h + ":" + pad(m) : m) + ":" + pad(s % 60) + " left)";
      [5, 1].forEach(function (mins) {
        if (!warned[mins] && ms <= mins * 60000 && ms > 0 && left > mins * 60000) {
          warned[mins] = true;
          say(mins === 1 ? "One minute left to book this time." : "5 minutes left to book this time.");
        }
      });
      if (ms <= 0) { say("Your hold has ended."); setTimeout(reload, 1000); clearInterval(timer); timer = null; }
    };
    tick();
    timer = setInterval(tick, 1000);
  }

  // ---- live status ----
  var switching = false;
  function changed() {
    if (leaving || switching) return;
    switching = true;
    fetch(api + "/alternatives", { headers: { accept: "application/json" }, cache: "no-store" })
      .then(function (r) { if (!r.ok) throw new Error("status " + r.status); return r.json(); })
      .then(function (body) {
        if (body.state === "taken") showTaken(body.items || []);
        else if (body.state !== state) reload();
        else switching = false;
      })
      .catch(function () { reload(); });
  }
  function showTaken(items) {
    stopLive();
    state = "taken";
    main.setAttribute("data-state", "taken");
    document.title = document.title.replace(/:.*$/, ": this time was taken");
    var heading = document.getElementById("heading");
    heading.textContent = "Sorry, this time was just taken";
    ["hold", "offer-actions"].forEach(function (id) { var n = document.getElementById(id); if (n) n.remove(); });
    var section = el("section", { id: "alternatives", "aria-labelledby": "alt-h" });
    if (items.length === 0) {
      section.appendChild(el("h2", { id: "alt-h" }, ["Other times"]));
      section.appendChild(el("p", {}, ["No other times are free right now. You are still on the waitlist, and we will let you know when one opens up."]));
    } else {
      section.appendChild(el("h2", { id: "alt-h" }, ["Other times you can book now"]));
      section.appendChild(el("p", { "class": "muted" }, ["One tap books it."]));
      var list = el("ul", { "class": "alts" });
      items.forEach(function (a) {
        var label = [el("span", { "class": "sr-only" }, ["Book "]), el("span", { "class": "alt-when" }, [a.label])];
        if (a.providerName) label.push(" ", el("span", { "class": "alt-who" }, ["with " + a.providerName]));
        var action = base + "/alternatives/" + encodeURIComponent(a.slotId) + "/accept";
        var button = el("button", { "class": "btn alt", type: "submit" }, label);
        list.appendChild(el("li", {}, [el("form", { method: "post", action: action }, [button])]));
      });
      section.appendChild(list);
    }
    var old = document.getElementById("alternatives");
    old.parentNode.replaceChild(section, old);
    var card = document.getElementById("visit");
    if (card) card.className = "card gone";
    say("Someone else booked it first.");
    heading.focus();
  }
  if (window.EventSource && (state === "open" || state === "scheduled")) {
    events = new EventSource(base + "/events");
    events.addEventListener("open", function () { main.setAttribute("data-live", "on"); });
    events.addEventListener("error", function () { main.setAttribute("data-live", "off"); });
    events.addEventListener("status", function (e) {
      var s;
      try { s = JSON.parse(e.data); } catch (err) { return; }
      // A scheduled offer going out (SCHEDULED → PENDING) starts its hold: the page reloads with the countdown.
      var offerMoved = s.offer && s.offer !== (state === "scheduled" ? "SCHEDULED" : "PENDING");
      var openingMoved = s.opening && s.opening !== "OPEN";
      if (offerMoved || openingMoved) changed();
    });
  }

  // ---- web push opt-in ----
  var push = document.getElementById("push");
  if (push && "serviceWorker" in navigator && "PushManager" in window && "Notification" in window) {
    push.hidden = false;
    var button = document.getElementById("push-button");
    var out = document.getElementById("push-status");
    var key = function (b64) {
      var padded = (b64 + "===".slice((b64.length + 3) % 4)).replace(/-/g, "+").replace(/_/g, "/");
      var raw = atob(padded), bytes = new Uint8Array(raw.length);
      for (var i = 0; i < raw.length; i++) bytes[i] = raw.charCodeAt(i);
      return bytes;
    };
    var refusal = function (message) { var e = new Error(message); e.ours = true; return e; };
    var optIn = async function () {
      var publicKey = (await (await fetch("/api/public/push-key")).json()).publicKey;
      if (!publicKey) throw refusal("Notifications are not available right now.");
      if ((await Notification.requestPermission()) !== "granted") throw refusal("Notifications are blocked for this site in your browser settings.");
      var reg = await navigator.serviceWorker.register("/sw.js");
      await navigator.serviceWorker.ready;
      var sub = (await reg.pushManager.getSubscription()) || (await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: key(publicKey) }));
      var r = await fetch(api + "/push-subscription", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(sub) });
      if (!r.ok) throw refusal("Sorry, that did not work. Please try again later.");
    };
    button.addEventListener("click", function () {
      button.disabled = true;
      out.textContent = "Turning on notifications…";
      optIn().then(function () {
        out.textContent = "Done: you will get a notification on this device when a time opens up.";
        button.remove();
      }, function (err) {
        out.textContent = err && err.ours ? err.message : "Sorry, that did not work on this browser.";
        button.disabled = false;
      });
    });
  }
})();`;
