// The Activity sections of the dashboard's record pages (waitlist entry, opening, appointment): the
// record's audit rows, newest first — who, when, what changed — escaped, with no contact details.
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { anAppointment, aStaffedClinic, call, inHours, T0, testApp } from "../harness/app.ts";
import { loggedIn } from "../harness/staff.ts";

const ctx = await testApp();

/** The Activity section of a page, from its heading to the end of the section. */
function activityOf(page: string): string {
  const m = page.match(/<section class="activity"[\s\S]*?<\/section>/);
  assert.ok(m, "the page has an Activity section");
  return m[0];
}

test("a waitlist entry's page lists its changes: who, what changed (escaped), newest first", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const { agent } = await loggedIn(ctx, s.clinic.key);
  const fields = { patientId: s.patient.id, serviceId: s.service.id, priority: "normal", notes: "<b>mornings</b> call +16175550199" };
  assert.equal((await agent.post("/waitlist", fields)).status, 303);
  const [entry] = (await call(ctx, "GET", "/api/booking/waitlist", { key: s.clinic.key })).body.items;
  ctx.clock.set(new Date(T0.getTime() + 60_000));
  assert.equal((await agent.post(`/waitlist/${entry.id}`, { ...fields, priority: "high" })).status, 303);

  const section = activityOf((await agent.get(`/waitlist/${entry.id}`)).body);
  const actions = [...section.matchAll(/<strong>([a-z_.]+)<\/strong>/g)].map((m) => m[1]);
  assert.deepEqual(actions, ["waitlist_entry.updated", "waitlist_entry.created"], "newest first");
  assert.match(section, /<code>priority<\/code>: normal → high/);
  assert.match(section, /· <span class="muted">staff [0-9a-f]{8}<\/span>/, "a dashboard login is staff, by id");
  assert.ok(section.includes("&lt;b&gt;mornings&lt;/b&gt;"), "free text is escaped");
  assert.ok(!section.includes("<b>mornings"), "never raw");
  assert.ok(!section.includes("+16175550199") && section.includes("[phone]"), "a phone inside free text is redacted");
});

test("an opening's page and an appointment's page list their own rows; the list links to the appointment", async () => {
  ctx.clock.set(T0);
  const s = await aStaffedClinic(ctx);
  const { agent } = await loggedIn(ctx, s.clinic.key);
  const appt = await anAppointment(ctx, s.clinic, { patientId: s.patient.id, providerId: s.provider.id, serviceId: s.service.id, start: inHours(24) });
  assert.match((await agent.get("/appointments")).body, new RegExp(`<a href="/appointments/${appt.id}">`));
  assert.equal((await agent.post(`/appointments/${appt.id}/cancel`, { by: "staff" })).status, 303);
  await runDue(ctx.deps, ctx.clock.now());

  const page = await agent.get(`/appointments/${appt.id}`);
  assert.equal(page.status, 200);
  const section = activityOf(page.body);
  assert.deepEqual(
    [...section.matchAll(/<strong>([a-z_.]+)<\/strong>/g)].map((m) => m[1]),
    ["appointment.cancelled", "appointment.booked"],
  );
  assert.match(section, /<code>status<\/code>: BOOKED → CANCELLED/);
  assert.match(section, /API key [0-9a-f]{8}/, "booked with the clinic's key");
  assert.ok(!section.includes(s.patient.phone), "no phone");

  const [opening] = (await call(ctx, "GET", "/api/booking/openings", { key: s.clinic.key })).body.items;
  const openingSection = activityOf((await agent.get(`/openings/${opening.id}`)).body);
  assert.match(openingSection, /<strong>opening.created<\/strong>/);
  assert.ok(!openingSection.includes("appointment.booked"), "only the opening's own rows");
  assert.equal((await agent.get("/appointments/00000000-0000-4000-8000-000000000000")).status, 404);
});
