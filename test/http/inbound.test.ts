import assert from "node:assert/strict";
import { test } from "node:test";
import { runDue } from "../../src/jobs/runner.ts";
import { listAudit } from "../../src/store/audit.ts";
import { aPatient, aStaffedClinic, call, testApp } from "../harness/app.ts";

const ctx = await testApp();
const drain = () => runDue(ctx.deps, ctx.clock.now());

async function texts(key: string, to: string) {
  await drain();
  return (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(to)}`, { key })).body.items as { body: string }[];
}

for (const word of [
  "STOP",
  "stop",
  "Unsubscribe",
  "CANCEL",
  "end",
  "QUIT",
  "REVOKE",
  "OPTOUT",
  "STOPALL",
  "Stop texting me please",
  "please remove me from this list",
  "don't text me again",
]) {
  test(`"${word}" revokes SMS consent at once, audited, with one confirmation`, async () => {
    const s = await aStaffedClinic(ctx);
    const p = await aPatient(ctx, s.clinic, { phone: "+16175550123", smsConsent: true });
    const res = await call(ctx, "POST", "/api/dev/inbound-sms", { key: s.clinic.key, body: { from: "+16175550123", body: word } });
    assert.equal(res.status, 200);
    assert.equal(res.body.action, "opted_out");
    const after = await call(ctx, "GET", `/api/booking/patients/${p.id}`, { key: s.clinic.key });
    assert.equal(after.body.smsConsent, false);
    assert.equal(after.body.consents.sms.at, ctx.clock.now().toISOString());
    assert.match(after.body.consents.sms.source, /^sms:/);
    const events = await ctx.deps.db.query("SELECT granted, source FROM consent_events WHERE patient_id = $1 ORDER BY id", [p.id]);
    assert.deepEqual(events.rows.at(-1).granted, false);
    assert.ok((await listAudit(ctx.deps.db, s.clinic.id, "patient", p.id)).some((a) => a.action === "consent.revoked"));
    const sent = await texts(s.clinic.key, "+16175550123");
    assert.equal(sent.length, 1, "exactly one confirmation");
    assert.match(sent[0]!.body, /unsubscribed/);
  });
}

test("START restores SMS consent; HELP answers with the clinic's name; nothing clinical", async () => {
  const s = await aStaffedClinic(ctx);
  const p = await aPatient(ctx, s.clinic, { phone: "+16175550124", smsConsent: false });
  const start = await call(ctx, "POST", "/api/dev/inbound-sms", { key: s.clinic.key, body: { from: "+16175550124", body: "START" } });
  assert.equal(start.body.action, "opted_in");
  assert.equal((await call(ctx, "GET", `/api/booking/patients/${p.id}`, { key: s.clinic.key })).body.smsConsent, true);
  const help = await call(ctx, "POST", "/api/dev/inbound-sms", { key: s.clinic.key, body: { from: "+16175550124", body: "help" } });
  assert.equal(help.body.action, "help");
  assert.match(help.body.reply, /^Test Clinic: /);
  assert.match(help.body.reply, /Reply STOP to unsubscribe/);
  const sent = await texts(s.clinic.key, "+16175550124");
  assert.equal(sent.length, 2);
});

test("an unknown number changes nothing and gets no reply", async () => {
  const s = await aStaffedClinic(ctx);
  const res = await call(ctx, "POST", "/api/dev/inbound-sms", { key: s.clinic.key, body: { from: "+16175550999", body: "STOP" } });
  assert.equal(res.body.action, "unknown_sender");
  assert.equal((await texts(s.clinic.key, "+16175550999")).length, 0);
});
