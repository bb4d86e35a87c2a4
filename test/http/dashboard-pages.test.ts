// The staff dashboard's pages over app.inject: the forms call the flows (waitlist, cancel, openings,
// outreach, settings, staff logins), errors are named on the form, Today shows the board, names are
// escaped, and nothing about patients reaches the log. Time is the ManualClock's; nothing sleeps.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { anAppointment, anEntry, aStaffedClinic, call, inHours, T0, testApp } from "../harness/app.ts";
import { Agent, loggedIn, PASSWORD } from "../harness/staff.ts";
import { aWorld } from "../harness/world.ts";

const ctx = await testApp();

test("waitlist form: an entry with a weekday/time window is added; bad fields are named inline; search finds it", async () => {
  const s = await aStaffedClinic(ctx);
  const { agent } = await loggedIn(ctx, s.clinic.key);
  const fields = {
    patientId: s.patient.id,
    serviceId: s.service.id,
    providerIds: s.provider.id,
    w0_days: ["2", "4"],
    w0_start: "09:00",
    w0_end: "12:30",
    priority: "high",
    minNoticeHours: "2",
    notes: "<b>mornings</b>",
  };
  const bad = await agent.post("/waitlist", { ...fields, w0_end: "08:00", w1_days: "5", latestDate: "2026-02-30" });
  assert.equal(bad.status, 422);
  assert.match(bad.body, /<strong>Window 1 until<\/strong>: must be after start/);
  assert.match(bad.body, /<strong>Window 2 from<\/strong>: is required/);
  assert.match(bad.body, /<strong>Latest date<\/strong>: must be a date/);
  assert.match(bad.body, /id="w0_end" name="w0_end" value="08:00" aria-invalid="true"/, "the form keeps what was typed");
  const added = await agent.post("/waitlist", fields);
  assert.equal(added.status, 303);
  assert.equal(added.headers.location, "/waitlist?notice=entry_added");
  const list = await call(ctx, "GET", "/api/booking/waitlist", { key: s.clinic.key });
  assert.equal(list.body.items.length, 1);
  const entry = list.body.items[0];
  assert.deepEqual(entry.windows, [{ weekdays: [2, 4], start: "09:00", end: "12:30" }]);
  assert.equal(entry.minNoticeMinutes, 120);
  const page = await agent.get("/waitlist?q=exam&notice=entry_added");
  assert.match(page.body, /Added to the waitlist\./);
  assert.match(page.body, /Tue Thu 09:00–12:30/);
  assert.ok(page.body.includes(entry.id));
  assert.ok(!(await agent.get("/waitlist?q=nobody-by-that-name")).body.includes(entry.id));
  // Editing moves the window; the notes stay escaped wherever they are shown.
  const edit = await agent.get(`/waitlist/${entry.id}`);
  assert.match(edit.body, /&lt;b&gt;mornings&lt;\/b&gt;/);
  assert.equal((await agent.post(`/waitlist/${entry.id}`, { ...fields, w0_days: "1", w0_start: "13:00", w0_end: "17:00" })).status, 303);
  assert.deepEqual((await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key })).body.windows, [
    { weekdays: [1], start: "13:00", end: "17:00" },
  ]);
  assert.equal((await agent.post(`/waitlist/${entry.id}/remove`)).status, 303);
  assert.equal((await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key })).body.status, "REMOVED");
});

test("cancel from the dashboard → Today shows the opening, its live offer with a countdown and who is next; the dev inbox has the message", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const other = await call(ctx, "POST", "/api/booking/patients", {
    key: s.clinic.key,
    body: { firstName: "Nia", lastName: "<script>alert(1)</script>", phone: "+16175550177", smsConsent: true },
  });
  await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id, priority: "high" });
  await anEntry(ctx, s.clinic, { patientId: other.body.id, serviceId: s.service.id });
  const holder = await call(ctx, "POST", "/api/booking/patients", { key: s.clinic.key, body: { firstName: "Hal", lastName: "Holder" } });
  const appt = await anAppointment(ctx, s.clinic, { patientId: holder.body.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(24) });
  const { agent } = await loggedIn(ctx, s.clinic.key);
  assert.match((await agent.get("/appointments")).body, new RegExp(`data-appointment="${appt.id}"`));
  const res = await agent.post(`/appointments/${appt.id}/cancel`, { by: "patient" });
  assert.equal(res.status, 303);
  assert.equal(res.headers.location, "/appointments?notice=cancelled");
  await runDue(ctx.deps, ctx.clock.now());
  const panel = await agent.get("/today/panel");
  assert.equal(panel.status, 200);
  assert.match(panel.body, /Pat Example <span class="badge s-pending">PENDING<\/span>/);
  assert.match(panel.body, /class="countdown" data-until="2026-03-02T16:00:00.000Z"[^>]*>2 h left/);
  assert.match(panel.body, /<strong>Next:<\/strong> Nia &lt;script&gt;alert\(1\)&lt;\/script&gt;/);
  assert.ok(!panel.body.includes("<script>alert"), "names are escaped");
  const inbox = await agent.get("/dev/inbox");
  assert.match(inbox.body, /\+16175550100/);
  assert.match(inbox.body, /class="offer-link" href="http:\/\/localhost:3000\/o\/[A-Za-z0-9_-]+"/);
  const notifications = await agent.get("/notifications");
  assert.match(notifications.body, /<strong>SMS<\/strong> <span class="badge s-sent">SENT<\/span>/);
  const opening = (await ctx.deps.db.query("SELECT id FROM openings WHERE source_appointment_id = $1", [appt.id])).rows[0].id;
  const detail = await agent.get(`/openings/${opening}`);
  assert.match(detail.body, /same service as the freed appointment/);
  // Booking the next in line from the opening's page fills it; Today lists the booking.
  const nia = (await ctx.deps.db.query("SELECT id FROM waitlist_entries WHERE patient_id = $1", [other.body.id])).rows[0].id;
  assert.equal((await agent.post(`/openings/${opening}/book`, { entryId: nia })).status, 303);
  const after = await agent.get("/");
  assert.match(after.body, /class="booking"[^>]*><strong>Nia &lt;script&gt;/);
  assert.equal((await agent.post(`/openings/${opening}/book`, { entryId: nia })).status, 409, "a second booking is refused on the page");
  assert.ok(!ctx.logged.some((l) => l.includes("Nia") || l.includes("+16175550177")), "no patient data in the log");
});

test("openings, outreach, settings and analytics forms call their flows; errors are shown on the form", async () => {
  ctx.clock.set(T0);
  const w = await aWorld(ctx);
  const { agent } = await loggedIn(ctx, w.clinic.key, "admin");
  const slot = await agent.post("/openings", { providerId: w.provider.id, date: "2026-03-09", start: "10:00", end: "09:00" });
  assert.equal(slot.status, 422);
  assert.match(slot.body, /<strong>End<\/strong>: must be after start/);
  const made = await agent.post("/openings", { providerId: w.provider.id, date: "2026-03-09", start: "10:00", end: "11:00" });
  assert.equal(made.status, 303);
  assert.match(String(made.headers.location), /^\/openings\/[0-9a-f-]{36}\?notice=opening_created$/);
  assert.match((await agent.get(String(made.headers.location))).body, /Mon 9 Mar, 10:00 AM–11:00 AM/);

  assert.equal((await agent.post(`/outreach/${w.outreach.id}/complete`, { outcome: "NO_ANSWER", note: "voicemail" })).status, 303);
  assert.equal((await call(ctx, "GET", "/api/booking/outreach-tasks?status=DONE", { key: w.clinic.key })).body.items.length, 1);

  const settingsPage = await agent.get("/settings");
  assert.match(settingsPage.body, /name="holdMinutes"[^>]*value="120"/);
  const base = {
    holdMinutes: "90",
    maxNotificationsPerEntry: "3",
    dailyCapPerPatient: "1",
    weeklyCapPerPatient: "3",
    waveSize: "2",
    cutoffMinutes: "30",
    fallbackDelayMinutes: "2",
    quietStart: "21:00",
    quietEnd: "08:00",
    strategy: "broadcast",
    channel0: "EMAIL",
    channel1: "SMS",
  };
  const badSettings = await agent.post("/settings", { ...base, weeklyCapPerPatient: "0", quietEnd: "21:00", holdMinutes: "5" });
  assert.equal(badSettings.status, 422);
  assert.match(badSettings.body, /<strong>Hold \(minutes\)<\/strong>: must be a whole number from 10 to 10080/);
  assert.equal((await agent.post("/settings", { ...base, quietEnd: "21:00" })).status, 422);
  assert.equal((await agent.post("/settings", base)).status, 303);
  const saved = await call(ctx, "GET", "/api/booking/settings", { key: w.clinic.key });
  assert.deepEqual([saved.body.holdMinutes, saved.body.strategy, saved.body.waveSize, saved.body.channelOrder], [90, "broadcast", 2, ["EMAIL", "SMS"]]);

  assert.equal((await agent.post("/settings/staff", { name: "Dee", email: "dee@clinic.example", password: PASSWORD, role: "viewer" })).status, 303);
  assert.equal((await new Agent(ctx).login("dee@clinic.example")).status, 303);

  const analytics = await agent.get("/analytics");
  assert.equal(analytics.status, 200);
  assert.match(analytics.body, /<svg class="chart" role="img" aria-label="Offer conversion rate by channel"/);
  assert.match(analytics.body, /aria-label="Openings by outcome/);
  assert.match(analytics.body, /aria-label="Filled openings by time from opening to booking"/);
  assert.equal((await agent.get("/analytics?from=2026-03-05&to=2026-03-01")).status, 422);
});

test("outreach page: staff see the alerts and the patients' texts that need a person", async () => {
  const w = await aWorld(ctx);
  const { agent } = await loggedIn(ctx, w.clinic.key);
  const text = await call(ctx, "POST", "/api/dev/inbound-sms", { key: w.clinic.key, body: { from: "+16175550111", body: "is parking free?" } });
  assert.equal(text.body.action, "not_understood");
  const page = await agent.get("/outreach");
  assert.equal(page.status, 200);
  assert.match(page.body, /Texts that need a person/);
  assert.match(page.body, /is parking free\?/);
  assert.match(page.body, /A patient replied with a message that needs a person\./);
});

test("a patient's late cancellation from the dashboard is quoted first; confirming records the fee; the patient's standing shows", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(6) });
  const { agent } = await loggedIn(ctx, s.clinic.key);
  const quoted = await agent.post(`/appointments/${appt.id}/cancel`, { by: "patient", reason: "car trouble" });
  assert.equal(quoted.status, 200);
  assert.match(quoted.body, new RegExp(`data-quote="${appt.id}"`));
  // Default policy (facial): 6 h before a 12 h notice / 12 h full-charge window → the full $150.00.
  assert.match(quoted.body, /<strong data-fee>\$150<\/strong>/);
  assert.match(quoted.body, /name="confirm" value="yes"/);
  assert.match(quoted.body, /name="reason" value="car trouble"/);
  assert.equal((await call(ctx, "GET", `/api/booking/appointments/${appt.id}`, { key: s.clinic.key })).body.status, "BOOKED", "a quote changes nothing");

  const confirmed = await agent.post(`/appointments/${appt.id}/cancel`, { by: "patient", confirm: "yes", reason: "car trouble" });
  assert.equal(confirmed.status, 303);
  assert.equal((await call(ctx, "GET", `/api/booking/appointments/${appt.id}`, { key: s.clinic.key })).body.status, "CANCELLED");
  const charges = (await call(ctx, "GET", `/api/booking/patients/${s.patient.id}/charges`, { key: s.clinic.key })).body.items;
  assert.deepEqual(
    charges.map((c: { kind: string; amountCents: number; status: string }) => [c.kind, c.amountCents, c.status]),
    [["CANCELLATION_FEE", 15000, "PENDING"]],
  );

  // A second patient cancellation within 30 days: the patient is flagged, and staff see it on the lists.
  const again = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(72) });
  assert.equal((await agent.post(`/appointments/${again.id}/cancel`, { by: "patient" })).status, 303);
  await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(96) });
  assert.match((await agent.get("/appointments")).body, /<span class="badge flag" data-flag="frequent canceller">frequent canceller<\/span>/);
  await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  assert.match((await agent.get("/waitlist")).body, /data-flag="frequent canceller"/);
});

test("closures page: a whole-day closure closes the openings inside it and lists the appointments to move; removing it", async () => {
  ctx.clock.set(T0); // Monday 2 March, 09:00 in New York
  const s = await aStaffedClinic(ctx);
  const inside = await anAppointment(ctx, s.clinic, {
    patientId: s.patient.id,
    providerId: s.provider.id,
    serviceId: s.service.id,
    start: "2026-03-03T15:00:00Z",
  });
  const after = await anAppointment(ctx, s.clinic, {
    patientId: s.patient.id,
    providerId: s.provider.id,
    serviceId: s.service.id,
    start: "2026-03-04T15:00:00Z",
  });
  const opening = await call(ctx, "POST", "/api/booking/openings", {
    key: s.clinic.key,
    body: { providerId: s.provider.id, start: "2026-03-03T18:00:00Z", end: "2026-03-03T19:00:00Z" },
  });
  const { agent } = await loggedIn(ctx, s.clinic.key);
  const bad = await agent.post("/closures", { providerId: "", startDate: "2026-03-03", startTime: "", endDate: "2026-03-03", endTime: "25:00", reason: "x" });
  assert.equal(bad.status, 422);
  assert.match(bad.body, /<strong>Until<\/strong>: needs a date/);

  const added = await agent.post("/closures", {
    providerId: "",
    startDate: "2026-03-03",
    startTime: "",
    endDate: "2026-03-03",
    endTime: "",
    reason: "Staff training",
  });
  assert.equal(added.status, 303);
  const page = await agent.get("/closures");
  assert.equal(page.status, 200);
  // Tuesday 00:00 to Wednesday 00:00 in New York.
  const closure = (await call(ctx, "GET", "/api/booking/closures", { key: s.clinic.key })).body.items[0];
  assert.equal(closure.start, "2026-03-03T05:00:00.000Z");
  assert.equal(closure.end, "2026-03-04T05:00:00.000Z");
  assert.match(page.body, new RegExp(`data-affected="${inside.id}"`));
  assert.doesNotMatch(page.body, new RegExp(`data-affected="${after.id}"`));
  assert.match(page.body, /Staff training/);
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${opening.body.id}`, { key: s.clinic.key })).body.status, "CLOSED");

  assert.equal((await agent.post(`/closures/${closure.id}/remove`, {})).status, 303);
  assert.equal((await call(ctx, "GET", "/api/booking/closures", { key: s.clinic.key })).body.items.length, 0);
  assert.match((await agent.get("/closures")).body, /No closures ahead/);
});

test("settings page: reminders, no-show ladder, staff alert email and cancellation policies per category, in dollars and hours", async () => {
  const w = await aWorld(ctx);
  const { agent } = await loggedIn(ctx, w.clinic.key, "admin");
  const page = (await agent.get("/settings")).body;
  assert.match(page, /name="reminderHoursBefore"[^>]*value="24"/);
  assert.match(page, /name="noShowDeposit"[^>]*value="50\.00"/);
  for (const c of ["default", "injectables", "laser", "facial"]) assert.match(page, new RegExp(`data-policy="${c}"`));
  const category = (await call(ctx, "GET", `/api/booking/services`, { key: w.clinic.key })).body.items[0].category as string;
  assert.match(page, new RegExp(`data-policy="${category}"><td>${category} <span class="muted small">\\(uses default until saved\\)`));

  // The whole form as the browser sends it, with changes.
  const form: Record<string, string> = {};
  for (const m of page.matchAll(/<input type="(?:number|text|email|time)"[^>]*name="([^"]+)"[^>]*value="([^"]*)"/g)) form[m[1]!] = m[2]!;
  for (const m of page.matchAll(/<input type="(?:number|text|email)"[^>]*id="[^"]*" name="([^"]+)"[^>]*value="([^"]*)"/g)) form[m[1]!] = m[2]!;
  Object.assign(form, { strategy: "sequential", channel0: "SMS", channel1: "EMAIL", quietStart: "21:00", quietEnd: "08:00" });
  const bad = await agent.post("/settings", { ...form, noShowDeposit: "fifty", "policy.laser.fee": "101" });
  assert.equal(bad.status, 422);
  assert.match(bad.body, /<strong>2nd no-show: deposit \(\$\)<\/strong>: must be an amount in dollars/);
  assert.match(bad.body, /must be a whole number from 0 to 100/);
  const saved = await agent.post("/settings", {
    ...form,
    reminderHoursBefore: "48",
    noShowDeposit: "75.50",
    staffAlertEmail: "desk@clinic.example",
    "policy.laser.fee": "60",
  });
  assert.equal(saved.status, 303, saved.body);
  const s = (await call(ctx, "GET", "/api/booking/settings", { key: w.clinic.key })).body;
  assert.deepEqual(
    [s.reminderHoursBefore, s.noShowDepositCents, s.staffAlertEmail, s.cancellationPolicies.laser.feePercent],
    [48, 7550, "desk@clinic.example", 60],
  );
  assert.ok(!(category in s.cancellationPolicies), "a category still reading as the default keeps following it");
  assert.equal(s.cancellationPolicies.injectables.noticeHours, 24, "the others are kept");
});
