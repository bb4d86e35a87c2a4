// A YES by text for a time someone else just booked (the offer was withdrawn while its hold still ran):
// the reply says the time was just taken and gives up to three other times with one link to the patient's
// own offer page, where each is booked with one tap (as the page's alternatives always are).
import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, inHours, T0, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());
let phones = 700;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

async function outbox(key: string, to: string) {
  return (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`, { key })).body.items as { body: string; links: string[] }[];
}

const yes = (key: string, from: string) => call(ctx, "POST", "/api/dev/inbound-sms", { key, body: { from, body: "YES" } });

/** Two patients offered Dr A's 9:00 tomorrow at once (broadcast); A books it by link. `others`: Dr B's free times (hours from T0). */
async function aTakenOffer(others: number[]) {
  ctx.clock.set(T0);
  const clinic = await aClinic(ctx, { name: "Bright Smiles", timezone: "America/New_York" });
  const drA = await aProvider(ctx, clinic, "Dr A");
  const drB = await aProvider(ctx, clinic, "Dr B");
  const service = await aService(ctx, clinic, { name: "Cleaning" });
  await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: { strategy: "broadcast", waveSize: 2 } });
  const [a, b] = [await aPatient(ctx, clinic, { phone: nextPhone() }), await aPatient(ctx, clinic, { phone: nextPhone() })];
  for (const p of [a, b]) await anEntry(ctx, clinic, { patientId: p.id, serviceId: service.id, providerIds: [drA.id] });
  const opening = await anOpening(ctx, clinic, { providerId: drA.id, start: inHours(24), end: inHours(25) });
  const alternatives = [];
  for (const h of others) alternatives.push(await anOpening(ctx, clinic, { providerId: drB.id, start: inHours(h), end: inHours(h + 1) }));
  await drain();
  const tokenOf = async (phone: string) => (await outbox(clinic.key, phone)).at(-1)!.links[0]!.split("/o/")[1]!;
  const accepted = await call(ctx, "POST", `/api/public/offers/${await tokenOf(a.phone)}/accept`);
  assert.equal(accepted.status, 200);
  const { rows } = await ctx.deps.db.query("SELECT status, withdraw_reason FROM offers WHERE opening_id = $1 AND patient_id = $2", [opening.id, b.id]);
  assert.deepEqual(rows[0], { status: "WITHDRAWN", withdraw_reason: "filled" }, "B's offer was withdrawn because A booked");
  return { clinic, b, opening, alternatives };
}

test("YES after someone else booked: 'just taken', the best three other times, and a link that books one", async () => {
  // Dr B at 11:00, 12:00, 14:00 and 15:00 (New York); the original was 9:00 with Dr A: the three nearest win.
  const { clinic, b, alternatives } = await aTakenOffer([26, 27, 29, 30]);
  ctx.clock.set(new Date(T0.getTime() + 5 * 60_000));
  const res = await yes(clinic.key, b.phone);
  assert.equal(res.status, 200);
  assert.equal(res.body.action, "slot_filled");
  const reply: string = res.body.reply;
  const link = /(http:\/\/\S+\/o\/(o_[A-Za-z0-9_-]{43}))$/.exec(reply);
  assert.ok(link, reply);
  assert.equal(
    reply,
    `Bright Smiles: sorry, that time was just taken. Other times for you: Tue 3 Mar, 11:00 AM EST; Tue 3 Mar, 12:00 PM EST; Tue 3 Mar, 2:00 PM EST. Book one here: ${link[1]}`,
  );
  await drain();
  const sent = await outbox(clinic.key, b.phone);
  assert.equal(sent.at(-1)!.body, reply, "the reply went out as a text");
  assert.equal(sent.length, 2, "the offer, then the reply: no new offer text");

  // The link is the patient's own offer page: it shows the same three, and one tap books one.
  const token = link[2]!;
  const listed = await call(ctx, "GET", `/api/public/offers/${token}/alternatives`);
  assert.equal(listed.status, 200);
  assert.equal(listed.body.state, "taken");
  const slotIds = (listed.body.items as { slotId: string }[]).map((x) => x.slotId);
  assert.deepEqual(
    slotIds,
    alternatives.slice(0, 3).map((o) => o.id),
  );
  const booked = await call(ctx, "POST", `/api/public/offers/${token}/alternatives/${slotIds[1]}/accept`);
  assert.equal(booked.status, 200);
  assert.equal(booked.body.status, "ACCEPTED");
  const appointment = (await call(ctx, "GET", `/api/booking/appointments/${booked.body.appointmentId}`, { key: clinic.key })).body;
  assert.deepEqual([appointment.patientId, appointment.start], [b.id, new Date(inHours(27)).toISOString()]);
});

test("YES after someone else booked, with no other time free: 'just taken', still on the waitlist", async () => {
  const { clinic, b } = await aTakenOffer([]);
  const res = await yes(clinic.key, b.phone);
  assert.equal(res.body.action, "slot_filled");
  assert.equal(res.body.reply, "Bright Smiles: sorry, that time was just taken. You stay on our waitlist.");
});

test("YES once the withdrawn offer's hold would have ended: no open offer (an old text is not answered as 'taken')", async () => {
  const { clinic, b } = await aTakenOffer([26]);
  ctx.clock.set(new Date(T0.getTime() + 121 * 60_000)); // the 120-minute hold is over
  const res = await yes(clinic.key, b.phone);
  assert.equal(res.body.action, "no_live_offer");
  assert.match(res.body.reply, /we have no open offer for you right now/);
});

test("a live offer made after the taken one wins: YES books it", async () => {
  const { clinic, b, opening } = await aTakenOffer([]);
  await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: { dailyCapPerPatient: 2 } }); // a second offer today
  const later = await anOpening(ctx, clinic, { providerId: opening.providerId, start: inHours(28), end: inHours(29) });
  await drain(); // B waits for Dr A again: the new opening is offered to B
  const { rows: live } = await ctx.deps.db.query("SELECT status FROM offers WHERE opening_id = $1 AND patient_id = $2", [later.id, b.id]);
  assert.deepEqual(live, [{ status: "PENDING" }]);
  const res = await yes(clinic.key, b.phone);
  assert.equal(res.body.action, "accepted");
  const { rows } = await ctx.deps.db.query("SELECT status FROM openings WHERE id = $1", [later.id]);
  assert.equal(rows[0].status, "FILLED");
});
