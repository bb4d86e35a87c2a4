// The offer page over HTTP (the browser tests drive it in chromium): security headers, the form posts
// that work without script, the calendar file, alternatives and escaping. The live stream: offer-events.test.ts.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp({ BACKFILL_CLINIC_PHONE: "+16175550199" });
const drain = () => runDue(ctx.deps, ctx.clock.now());
const FORM = "application/x-www-form-urlencoded";

let phones = 500;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

async function aSetup(names: { clinic?: string; drA?: string } = {}) {
  const clinic = await aClinic(ctx, { name: names.clinic ?? "Bright Smiles", timezone: "America/New_York" });
  const drA = await aProvider(ctx, clinic, names.drA ?? "Dr A");
  const drB = await aProvider(ctx, clinic, "Dr B");
  const service = await aService(ctx, clinic, { name: "Cleaning" });
  return { clinic, drA, drB, service };
}

async function aWaiter(clinic: { key: string }, serviceId: string, entry: Record<string, unknown> = {}) {
  const p = await aPatient(ctx, clinic, { phone: nextPhone() });
  const e = await anEntry(ctx, clinic, { patientId: p.id, serviceId, ...entry });
  return { patient: p, entry: e, phone: p.phone as string };
}

async function tokenFor(clinic: { key: string }, phone: string): Promise<string> {
  const res = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key });
  const link: string = res.body.items.filter((m: any) => m.links.length > 0).at(-1).links[0];
  return link.split("/o/")[1]!;
}

/** An offer of Dr A's opening tomorrow (only Dr A will do for this entry), and its token. */
async function anOffer(names: { clinic?: string; drA?: string } = {}) {
  ctx.clock.set(T0);
  const s = await aSetup(names);
  const w = await aWaiter(s.clinic, s.service.id, { providerIds: [s.drA.id] });
  const opening = await anOpening(ctx, s.clinic, { providerId: s.drA.id, start: inHours(24), end: inHours(25) });
  await drain();
  return { ...s, w, opening, token: await tokenFor(s.clinic, w.phone) };
}

const page = async (token: string, query = "") => {
  const res = await call(ctx, "GET", `/o/${token}${query}`);
  return { ...res, html: String(res.body) };
};
const post = (url: string) => call(ctx, "POST", url, { raw: "", contentType: FORM });

async function snapshot(clinicId: string) {
  const rows = async (sql: string) => (await ctx.deps.db.query(sql, [clinicId])).rows;
  return {
    offers: await rows("SELECT * FROM offers WHERE clinic_id = $1 ORDER BY id"),
    openings: await rows("SELECT * FROM openings WHERE clinic_id = $1 ORDER BY id"),
    appointments: await rows("SELECT * FROM appointments WHERE clinic_id = $1 ORDER BY id"),
    entries: await rows("SELECT * FROM waitlist_entries WHERE clinic_id = $1 ORDER BY id"),
    audit: await rows("SELECT * FROM audit_log WHERE clinic_id = $1 ORDER BY id"),
  };
}

test("headers: a CSP whose fresh nonce is on the only script and style, no inline handlers, no-store, no-referrer", async () => {
  const o = await anOffer();
  const first = await page(o.token);
  const second = await page(o.token);
  assert.equal(first.status, 200);
  const csp = String(first.headers["content-security-policy"]);
  const nonce = /script-src 'nonce-([A-Za-z0-9+/=]+)'/.exec(csp)?.[1];
  assert.ok(nonce, csp);
  assert.match(csp, /default-src 'self'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/);
  assert.notEqual(String(second.headers["content-security-policy"]), csp, "a new nonce per response");
  assert.deepEqual(
    [...first.html.matchAll(/<script\b[^>]*>/g)].map((m) => m[0]),
    [`<script nonce="${nonce}">`],
  );
  assert.deepEqual(
    [...first.html.matchAll(/<style\b[^>]*>/g)].map((m) => m[0]),
    [`<style nonce="${nonce}">`],
  );
  assert.doesNotMatch(first.html, /\son[a-z]+\s*=/i, "no inline event handlers");
  assert.doesNotMatch(first.html, /<script[^>]+src=/, "no script to download");
  assert.equal(first.headers["cache-control"], "no-store");
  assert.equal(first.headers["referrer-policy"], "no-referrer");
  // Book and No thanks are real forms.
  assert.match(
    first.html,
    new RegExp(`<form method="post" action="/o/${o.token}/accept"><button class="btn primary" type="submit">Book this time</button></form>`),
  );
  assert.match(first.html, new RegExp(`<form method="post" action="/o/${o.token}/decline">`));
  assert.match(first.html, /Held for you until <strong><time datetime="2026-03-02T16:00:00.000Z">11:00 AM EST<\/time><\/strong>/);
  assert.match(first.html, /\(2 h left\)/);
});

test("opening the page, its alternatives, its calendar file and its stream changes nothing", async () => {
  const o = await anOffer();
  const before = await snapshot(o.clinic.id);
  for (let i = 0; i < 3; i++) {
    ctx.clock.advanceMinutes(1);
    assert.equal((await page(o.token)).status, 200);
    assert.equal((await call(ctx, "GET", `/api/public/offers/${o.token}/alternatives`)).status, 200);
    assert.equal((await call(ctx, "GET", `/o/${o.token}/calendar.ics`)).status, 404, "nothing booked yet");
    assert.equal((await call(ctx, "HEAD" as "GET", `/o/${o.token}`)).status, 200);
  }
  assert.deepEqual(await snapshot(o.clinic.id), before);
});

test("the forms post without script: accept → 303 to the page, booked, with the calendar file; repeating is harmless", async () => {
  const o = await anOffer();
  const res = await post(`/o/${o.token}/accept`);
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, `/o/${o.token}`);
  const { rows } = await ctx.deps.db.query("SELECT id FROM appointments WHERE clinic_id = $1", [o.clinic.id]);
  assert.equal(rows.length, 1);
  assert.equal((await post(`/o/${o.token}/accept`)).headers.location, `/o/${o.token}`, "again: the same page, no flash");

  const booked = await page(o.token);
  assert.match(booked.html, /You're booked/);
  assert.match(booked.html, /href="\/o\/[^"]+\/calendar\.ics" download="appointment\.ics"/);
  assert.match(booked.html, /;ctz=America\/New_York"/, "the Google link names the patient's zone");
  assert.match(booked.html, /Please call Bright Smiles at <a href="tel:\+16175550199">\+1 617 555 0199<\/a>/);

  const ics = await call(ctx, "GET", `/o/${o.token}/calendar.ics`);
  assert.equal(ics.status, 200);
  assert.match(String(ics.headers["content-type"]), /^text\/calendar/);
  assert.match(String(ics.headers["content-disposition"]), /attachment; filename="appointment.ics"/);
  const body = String(ics.body);
  assert.match(body, new RegExp(`\\r\\nUID:appointment-${rows[0].id}@backfill\\r\\n`));
  assert.match(body, /\r\nDTSTART:20260303T140000Z\r\nDTEND:20260303T150000Z\r\n/);
  assert.match(body, /\r\nSUMMARY:Appointment at Bright Smiles\r\n/);
  assert.doesNotMatch(body, /Cleaning|Dr A/, "nothing clinical in the invite");
});

test("decline by form: 303, the declined page; an unknown token's posts come back to the 404 page", async () => {
  const o = await anOffer();
  const res = await post(`/o/${o.token}/decline`);
  assert.equal(res.status, 303);
  assert.equal((await call(ctx, "GET", `/api/public/offers/${o.token}`)).body.status, "DECLINED");
  const declined = await page(o.token);
  assert.match(declined.html, /<h1[^>]*>No problem<\/h1>/);
  assert.doesNotMatch(declined.html, /Book this time/);

  const unknown = `o_${"B".repeat(43)}`;
  for (const url of [`/o/${unknown}/accept`, `/o/${unknown}/decline`]) {
    const r = await post(url);
    assert.equal(r.status, 303);
    assert.equal(r.headers.location, `/o/${unknown}`);
  }
  for (const token of [unknown, "nope"]) {
    const gone = await page(token);
    assert.equal(gone.status, 404);
    assert.match(String(gone.headers["content-type"]), /^text\/html/);
    assert.match(gone.html, /This link is not valid/);
    assert.ok(gone.headers["content-security-policy"]);
    assert.equal((await call(ctx, "GET", `/o/${token}/calendar.ics`)).status, 404);
    assert.equal((await call(ctx, "GET", `/o/${token}/events`)).status, 404);
    assert.equal((await call(ctx, "GET", `/api/public/offers/${token}/alternatives`)).status, 404);
  }
});

test("expired: alternatives as one-tap forms and as JSON; booking one; a taken alternative comes back with a note", async () => {
  const o = await anOffer();
  const alt = await anOpening(ctx, o.clinic, { providerId: o.drB.id, start: inHours(26), end: inHours(27) });
  const alt2 = await anOpening(ctx, o.clinic, { providerId: o.drB.id, start: inHours(28), end: inHours(29) });
  ctx.clock.advanceMinutes(121);
  await drain();

  const expired = await page(o.token);
  assert.match(expired.html, /This offer has expired/);
  assert.match(expired.html, /The hold on this time ended at 11:00 AM EST/);
  const action = `/o/${o.token}/alternatives/${alt.id}/accept`;
  assert.ok(expired.html.includes(`<form method="post" action="${action}">`), "one form per alternative");
  assert.match(
    expired.html,
    /<span class="sr-only">Book <\/span><span class="alt-when">Tuesday 3 March, 11:00 AM EST<\/span> <span class="alt-who">with Dr B<\/span>/,
  );

  const json = await call(ctx, "GET", `/api/public/offers/${o.token}/alternatives`);
  assert.equal(json.status, 200);
  assert.equal(json.body.status, "EXPIRED");
  assert.equal(json.body.state, "expired");
  assert.deepEqual(json.body.items.map((a: any) => a.slotId).sort(), [alt.id, alt2.id].sort());
  const first = json.body.items.find((a: any) => a.slotId === alt.id);
  assert.equal(first.label, "Tuesday 3 March, 11:00 AM EST");
  assert.equal(first.providerName, "Dr B");
  assert.equal(first.start, inHours(26));

  // Someone else takes the first alternative before the tap.
  const other = await aPatient(ctx, o.clinic, { phone: nextPhone() });
  const taken = await call(ctx, "POST", "/api/booking/appointments", {
    key: o.clinic.key,
    body: { patientId: other.id, providerId: o.drB.id, serviceId: o.service.id, start: inHours(26) },
  });
  assert.equal(taken.status, 201, JSON.stringify(taken.body));
  const late = await post(action);
  assert.equal(late.status, 303);
  assert.equal(late.headers.location, `/o/${o.token}?m=alt_taken`);
  const note = await page(o.token, "?m=alt_taken");
  assert.match(note.html, /<p class="flash" role="alert">Sorry, that time was just booked by someone else/);
  assert.ok(!note.html.includes(action), "the taken one is no longer listed");
  assert.doesNotMatch((await page(o.token, "?m=<b>hi</b>")).html, /<b>hi|class="flash"/, "an unknown note shows nothing");

  const ok = await post(`/o/${o.token}/alternatives/${alt2.id}/accept`);
  assert.equal(ok.headers.location, `/o/${o.token}`);
  const booked = await page(o.token);
  assert.match(booked.html, /You're booked/);
  assert.match(booked.html, /Cleaning with Dr B/);
  assert.equal((await call(ctx, "GET", `/o/${o.token}/calendar.ics`)).status, 200);
});

test("taken: the page of an offer whose opening someone else booked shows so, with alternatives", async () => {
  ctx.clock.set(T0);
  const s = await aSetup();
  await call(ctx, "PATCH", "/api/booking/settings", { key: s.clinic.key, body: { strategy: "broadcast", waveSize: 2 } });
  const a = await aWaiter(s.clinic, s.service.id, { providerIds: [s.drA.id] });
  const b = await aWaiter(s.clinic, s.service.id, { providerIds: [s.drA.id] });
  await anOpening(ctx, s.clinic, { providerId: s.drA.id, start: inHours(24), end: inHours(25) });
  await drain();
  await anOpening(ctx, s.clinic, { providerId: s.drB.id, start: inHours(30), end: inHours(31) });
  const [ta, tb] = [await tokenFor(s.clinic, a.phone), await tokenFor(s.clinic, b.phone)];
  assert.equal((await post(`/o/${ta}/accept`)).status, 303);
  const lost = await post(`/o/${tb}/accept`);
  assert.equal(lost.headers.location, `/o/${tb}`, "the page explains it: no flash");
  const taken = await page(tb);
  assert.match(taken.html, /Sorry, this time was just taken/);
  assert.match(taken.html, /Tuesday 3 March, 3:00 PM EST/);
  assert.equal((await call(ctx, "GET", `/api/public/offers/${tb}/alternatives`)).body.state, "taken");
});

test("names are escaped everywhere on the page", async () => {
  const o = await anOffer({ clinic: `<script>alert("x")</script> & Co`, drA: `Dr "Quote" O'Neil` });
  const res = await page(o.token);
  assert.ok(!res.html.includes("<script>alert"), "no markup from a name");
  assert.ok(res.html.includes("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co"));
  assert.ok(res.html.includes("Dr &quot;Quote&quot; O&#39;Neil"));
});

test("GET /sw.js: the push service worker, as JavaScript", async () => {
  const res = await call(ctx, "GET", "/sw.js");
  assert.equal(res.status, 200);
  assert.match(String(res.headers["content-type"]), /^text\/javascript/);
  assert.match(String(res.body), /addEventListener\("push"/);
  assert.match(String(res.body), /addEventListener\("notificationclick"/);
});
