import assert from "node:assert/strict";
import { test } from "node:test";
import { getExpectedTwilioSignature } from "twilio/lib/webhooks/webhooks.js";
import type { ChannelAdapter } from "../../src/channels/channel.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { anEntry, aStaffedClinic, call, inHours, testApp } from "../harness/app.ts";

const TOKEN = "twilio-test-auth-token-000000000";
const ctx = await testApp({ TWILIO_AUTH_TOKEN: TOKEN, BACKFILL_PUBLIC_URL: "https://backfill.example" });

test("a 'delivered' callback that beats us recording the send still ends DELIVERED, with the SID kept and the hold started", async () => {
  const s = await aStaffedClinic(ctx);
  const entry = await anEntry(ctx, s.clinic, { patientId: s.patient.id, serviceId: s.service.id });
  await call(ctx, "POST", "/api/booking/openings", { key: s.clinic.key, body: { providerId: s.provider.id, start: inHours(30), end: inHours(31) } });
  const sid = `SM${"ab".repeat(16)}`;
  const real = ctx.deps.channels.SMS;
  // A provider so fast that its status callback arrives before send() returns.
  const fast: ChannelAdapter = {
    lookup: real.lookup,
    async send(m, now) {
      await real.send(m, now);
      const path = `/webhooks/twilio/sms-status?delivery=${m.deliveryId}`;
      const params = { MessageSid: sid, MessageStatus: "delivered", To: m.to };
      const signature = getExpectedTwilioSignature(TOKEN, `https://backfill.example${path}`, params);
      const res = await ctx.app.inject({
        method: "POST",
        url: path,
        headers: { "x-twilio-signature": signature, "content-type": "application/x-www-form-urlencoded" },
        payload: new URLSearchParams(params).toString(),
      });
      assert.equal(res.statusCode, 204);
      return { ok: true, providerMessageId: sid };
    },
  };
  ctx.deps.channels.SMS = fast;
  try {
    await runDue(ctx.deps, ctx.clock.now());
  } finally {
    ctx.deps.channels.SMS = real;
  }
  const n = (await call(ctx, "GET", `/api/booking/waitlist/notifications?entryId=${entry.id}`, { key: s.clinic.key })).body.items[0];
  assert.equal(n.status, "PENDING", JSON.stringify(n.deliveries));
  assert.ok(n.holdExpiresAt);
  assert.equal(n.deliveries[0].status, "DELIVERED");
  assert.equal(n.deliveries[0].providerMessageId, sid);
});
