import assert from "node:assert/strict";
import { test } from "node:test";
import type { ChannelAdapter } from "../../src/channels/channel.ts";
import { dispatchDue } from "../../src/flows/dispatch-deliveries.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { inTransaction } from "../../src/store/db.ts";
import { claimDueDeliveries } from "../../src/store/deliveries.ts";
import { aStaffedClinic, call, inHours, testApp, anEntry } from "../harness/app.ts";

const ctx = await testApp();

async function anOfferQueued() {
  const s = await aStaffedClinic(ctx);
  const entry = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const opening = await call(ctx, "POST", "/api/booking/openings", {
    key: s.clinic.key,
    body: { providerId: s.provider.id, start: inHours(26), end: inHours(27) },
  });
  return { s, entry, openingId: opening.body.id as string };
}

async function deliveriesOf(entryId: string) {
  const { rows } = await ctx.deps.db.query("SELECT d.* FROM deliveries d JOIN offers o ON o.id = d.offer_id WHERE o.entry_id = $1 ORDER BY d.created_at", [
    entryId,
  ]);
  return rows;
}

async function outboxCount(deliveryId: string) {
  const { rows } = await ctx.deps.db.query("SELECT count(*)::int AS n FROM dev_outbox WHERE delivery_id = $1", [deliveryId]);
  return rows[0].n as number;
}

test("a runner that died after claiming (nothing sent): the delivery is reconciled as not sent and sent once", async () => {
  const { entry } = await anOfferQueued();
  ctx.clock.advanceMinutes(1);
  // Make the offer (wave) but "die" before sending: claim the delivery into SENDING and stop.
  const { advanceOpening } = await import("../../src/flows/advance-opening.ts");
  const { lockDueOpenings } = await import("../../src/store/openings.ts");
  await inTransaction(ctx.deps.db, async (tx) => {
    for (const o of await lockDueOpenings(tx, ctx.clock.now(), 10)) await advanceOpening(tx, o, ctx.clock.now(), { index: 0 });
  });
  await inTransaction(ctx.deps.db, (tx) => claimDueDeliveries(tx, ctx.clock.now(), 100));
  const [stuck] = await deliveriesOf(entry.id);
  assert.equal(stuck.status, "SENDING");

  await runDue(ctx.deps, ctx.clock.now()); // too fresh to be called stale: left alone
  assert.equal((await deliveriesOf(entry.id))[0].status, "SENDING");

  ctx.clock.advanceMinutes(6);
  await runDue(ctx.deps, ctx.clock.now());
  const [after] = await deliveriesOf(entry.id);
  assert.equal(after.status, "SENT");
  assert.equal(await outboxCount(after.id), 1, "sent exactly once");
  const offer = await ctx.deps.db.query("SELECT status FROM offers WHERE entry_id = $1", [entry.id]);
  assert.equal(offer.rows[0].status, "PENDING");
});

test("a runner that died after the provider accepted the message: reconciled as SENT, never sent again", async () => {
  const { entry } = await anOfferQueued();
  ctx.clock.advanceMinutes(1);
  // A channel that delivers, then the process "dies" before recording it.
  const real = ctx.deps.channels.SMS;
  const dying: ChannelAdapter = {
    lookup: real.lookup,
    async send(m, now) {
      await real.send(m, now);
      throw new Error("process died");
    },
  };
  ctx.deps.channels.SMS = dying;
  try {
    await runDue(ctx.deps, ctx.clock.now());
  } finally {
    ctx.deps.channels.SMS = real;
  }
  const [stuck] = await deliveriesOf(entry.id);
  assert.equal(stuck.status, "SENDING");
  assert.equal(await outboxCount(stuck.id), 1);
  assert.ok(stuck.token_hash, "the link's token hash was kept before the provider call");

  ctx.clock.advanceMinutes(6);
  await runDue(ctx.deps, ctx.clock.now());
  const [after] = await deliveriesOf(entry.id);
  assert.equal(after.status, "SENT");
  assert.equal(await outboxCount(after.id), 1, "not sent a second time");
  const offer = await ctx.deps.db.query("SELECT status, hold_expires_at FROM offers WHERE entry_id = $1", [entry.id]);
  assert.equal(offer.rows[0].status, "PENDING");
});

test("a channel that cannot tell: the delivery fails rather than risk a duplicate", async () => {
  const { entry } = await anOfferQueued();
  ctx.clock.advanceMinutes(1);
  const real = ctx.deps.channels.SMS;
  ctx.deps.channels.SMS = {
    async send() {
      throw new Error("timeout");
    },
    async lookup() {
      return { sent: "unknown" };
    },
  };
  try {
    await runDue(ctx.deps, ctx.clock.now());
    ctx.clock.advanceMinutes(6);
    await runDue(ctx.deps, ctx.clock.now());
  } finally {
    ctx.deps.channels.SMS = real;
  }
  const [after] = await deliveriesOf(entry.id);
  assert.equal(after.status, "FAILED");
  assert.match(after.failure_reason, /unknown/);
});

test("a provider message another delivery already holds is not this one's: unknown → FAILED, not SENT with a shared id", async () => {
  const { entry } = await anOfferQueued();
  ctx.clock.advanceMinutes(1);
  const real = ctx.deps.channels.SMS;
  let held = "";
  ctx.deps.channels.SMS = {
    async send() {
      throw new Error("timeout");
    },
    async lookup() {
      return { sent: true, providerMessageId: held };
    },
  };
  try {
    await runDue(ctx.deps, ctx.clock.now());
    const [stuck] = await deliveriesOf(entry.id);
    assert.equal(stuck.status, "SENDING");
    const other = await ctx.deps.db.query("SELECT id, provider_message_id FROM deliveries WHERE status = 'SENT' AND provider_message_id IS NOT NULL LIMIT 1");
    held = other.rows[0].provider_message_id;
    ctx.clock.advanceMinutes(6);
    await runDue(ctx.deps, ctx.clock.now());
  } finally {
    ctx.deps.channels.SMS = real;
  }
  const [after] = await deliveriesOf(entry.id);
  assert.equal(after.status, "FAILED");
  assert.equal(after.provider_message_id, null);
  assert.match(after.failure_reason, /unknown/);
});

test("two runners: rows a long drain claimed and another runner took back as stale are not sent again by the first", async () => {
  const s = await aStaffedClinic(ctx);
  const t0 = ctx.clock.now();
  const to = ["+16175550161", "+16175550162", "+16175550163"];
  const { rows: made } = await ctx.deps.db.query(
    `INSERT INTO deliveries (clinic_id, kind, channel, status, payload, due_at, created_at, updated_at)
     SELECT $1, 'NOTICE', 'SMS', 'QUEUED', jsonb_build_object('to', n, 'text', 'Test Clinic: HELP text'), $2, $2, $2 FROM unnest($3::text[]) AS n
     RETURNING id`,
    [s.clinic.id, t0, to],
  );
  const ids = made.map((r) => r.id as string);
  // Runner 1's drain is slow: each hand-over takes 3 minutes of its drain, and the second one is held open.
  const real = ctx.deps.channels.SMS;
  let release!: () => void;
  const gate = new Promise<void>((resolve) => (release = resolve));
  let entered!: () => void;
  const inSecond = new Promise<void>((resolve) => (entered = resolve));
  let calls = 0;
  const slow: ChannelAdapter = {
    lookup: real.lookup,
    async send(m, now) {
      ctx.clock.advanceMinutes(3);
      if (++calls === 2) {
        entered();
        await gate;
      }
      return real.send(m, now);
    },
  };
  const runner1 = dispatchDue({ ...ctx.deps, channels: { ...ctx.deps.channels, SMS: slow } }, t0, 10);
  await inSecond;
  // Runner 2, 6 minutes after runner 1's drain began: what runner 1 claimed then looks stale to it.
  await runDue(ctx.deps, ctx.clock.now());
  release();
  await runner1;
  for (const id of ids) assert.equal(await outboxCount(id), 1, `delivery ${id} sent exactly once`);
  const { rows } = await ctx.deps.db.query("SELECT status FROM deliveries WHERE id = ANY($1::uuid[])", [ids]);
  assert.deepEqual(
    rows.map((r) => r.status),
    ["SENT", "SENT", "SENT"],
  );
});

test("fallback: an SMS the provider reports FAILED goes out by email after the fallback delay; with no channel left the entry is UNREACHABLE", async () => {
  const s = await aStaffedClinic(ctx);
  const p = await call(ctx, "POST", "/api/booking/patients", {
    key: s.clinic.key,
    body: { firstName: "Fay", lastName: "Back", phone: "+16175550177", email: "fay@example.com", smsConsent: true, emailConsent: true },
  });
  const entry = await anEntry(ctx, s.clinic, { patientId: p.body.id, serviceId: s.service.id });
  await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider.id, start: inHours(30), end: inHours(31) } });
  await runDue(ctx.deps, ctx.clock.now());
  const sms = (await call(ctx, "GET", "/api/dev/outbox?to=%2B16175550177", { key: s.clinic.key })).body.items;
  assert.equal(sms.length, 1);
  const failed = await call(ctx, "POST", `/api/dev/outbox/${sms[0].id}/status`, { key: s.clinic.key, body: { status: "UNDELIVERED", errorCode: "30003" } });
  assert.equal(failed.status, 200);
  await runDue(ctx.deps, ctx.clock.now());
  assert.equal((await call(ctx, "GET", "/api/dev/outbox?to=fay%40example.com", { key: s.clinic.key })).body.items.length, 0, "not before the delay");
  ctx.clock.advanceMinutes(2);
  await runDue(ctx.deps, ctx.clock.now());
  const email = (await call(ctx, "GET", "/api/dev/outbox?to=fay%40example.com", { key: s.clinic.key })).body.items;
  assert.equal(email.length, 1);
  assert.equal(email[0].channel, "EMAIL");
  const trail = (await call(ctx, "GET", `/api/booking/waitlist/notifications?entryId=${entry.id}`, { key: s.clinic.key })).body.items[0];
  assert.deepEqual(
    trail.deliveries.map((d: any) => [d.channel, d.status]),
    [
      ["SMS", "UNDELIVERED"],
      ["EMAIL", "SENT"],
    ],
  );
});

async function offerWithNoChannelLeft(staffAlertEmail?: string) {
  const s = await aStaffedClinic(ctx);
  if (staffAlertEmail) await call(ctx, "PATCH", "/api/booking/settings", { key: s.clinic.key, body: { staffAlertEmail } });
  const entry = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  const opening = await call(ctx, "POST", "/api/booking/openings", {
    key: s.clinic.key,
    body: { providerId: s.provider.id, start: inHours(30), end: inHours(31) },
  });
  // The offer is made, then consent is withdrawn before it goes out: no channel is left.
  const { advanceOpening } = await import("../../src/flows/advance-opening.ts");
  const { lockDueOpenings } = await import("../../src/store/openings.ts");
  await inTransaction(ctx.deps.db, async (tx) => {
    for (const o of await lockDueOpenings(tx, ctx.clock.now(), 10)) await advanceOpening(tx, o, ctx.clock.now(), { index: 0 });
  });
  await call(ctx, "PATCH", `/api/booking/patients/${s.patient.id}`, { key: s.clinic.key, body: { smsConsent: false } });
  await runDue(ctx.deps, ctx.clock.now());
  return { s, entry, openingId: opening.body.id as string };
}

test("every channel failed: a high-priority outreach task due in 1 h, staff alerted by email, the offer held for the call", async () => {
  const { s, entry } = await offerWithNoChannelLeft("desk@clinic.example");
  const tasks = (await call(ctx, "GET", "/api/booking/outreach-tasks?status=OPEN", { key: s.clinic.key })).body.items;
  assert.equal(tasks.length, 1);
  assert.equal(tasks[0].priority, "high");
  assert.equal(tasks[0].patientId, s.patient.id);
  assert.equal(tasks[0].deadline, new Date(ctx.clock.now().getTime() + 3_600_000).toISOString());
  const n = (await call(ctx, "GET", `/api/booking/waitlist/notifications?entryId=${entry.id}`, { key: s.clinic.key })).body.items[0];
  assert.equal(n.status, "PENDING");
  assert.equal(n.id, tasks[0].notificationId);
  assert.equal((await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key })).body.status, "NOTIFIED");
  const mail = (await call(ctx, "GET", "/api/dev/outbox?to=desk%40clinic.example", { key: s.clinic.key })).body.items;
  assert.equal(mail.length, 1);
  assert.doesNotMatch(mail[0].body, /Pat|Example|\+1617/, "the staff email names no patient");

  const done = await call(ctx, "POST", `/api/booking/outreach-tasks/${tasks[0].id}/complete`, {
    key: s.clinic.key,
    body: { outcome: "NO_ANSWER", note: "voicemail" },
  });
  assert.equal(done.status, 200);
  assert.equal(done.body.status, "DONE");
  assert.equal(done.body.outcome, "NO_ANSWER");
  assert.equal((await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key })).body.status, "UNREACHABLE");
  const after = (await call(ctx, "GET", `/api/booking/waitlist/notifications?entryId=${entry.id}`, { key: s.clinic.key })).body.items[0];
  assert.equal(after.status, "WITHDRAWN");
});

test("outreach: staff reach the patient and book them through the same claim", async () => {
  const { s, entry, openingId } = await offerWithNoChannelLeft();
  const task = (await call(ctx, "GET", "/api/booking/outreach-tasks?status=OPEN", { key: s.clinic.key })).body.items[0];
  const done = await call(ctx, "POST", `/api/booking/outreach-tasks/${task.id}/complete`, { key: s.clinic.key, body: { outcome: "BOOKED" } });
  assert.equal(done.status, 200, JSON.stringify(done.body));
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${openingId}`, { key: s.clinic.key })).body.status, "FILLED");
  assert.equal((await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key })).body.status, "BOOKED");
});

test("outreach: nobody calls before the hold ends → the entry is UNREACHABLE and the task closes as NO_ANSWER", async () => {
  const { s, entry } = await offerWithNoChannelLeft();
  ctx.clock.advanceMinutes(61);
  await runDue(ctx.deps, ctx.clock.now());
  assert.equal((await call(ctx, "GET", `/api/booking/waitlist/${entry.id}`, { key: s.clinic.key })).body.status, "UNREACHABLE");
  const tasks = (await call(ctx, "GET", "/api/booking/outreach-tasks?status=DONE", { key: s.clinic.key })).body.items;
  assert.equal(tasks[0].outcome, "NO_ANSWER");
});
