// Deposits and prepayments at the claim (API.md "Lifecycle", Deposits): a patient who owes one gets
// 202 CLAIMED and 90 s to pay; everyone else is refused meanwhile (409 slot_filled with claimExpiresAt,
// their offers stay PENDING); paying books through the same claim; a claim not paid lapses and the
// offer is PENDING again. Real Postgres, time driven by the clock.
import assert from "node:assert/strict";
import { test } from "node:test";
import { voiceTwiml } from "../../src/flows/voice-call.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { listAudit } from "../../src/store/audit.ts";
import { aClinic, anEntry, anOpening, aPatient, aProvider, aService, call, testApp, type Reply } from "../harness/app.ts";
import { loggedIn } from "../harness/staff.ts";

const ctx = await testApp();
const db = ctx.deps.db;
const drain = () => runDue(ctx.deps, ctx.clock.now());
const later = (hours: number) => new Date(ctx.clock.now().getTime() + hours * 3_600_000).toISOString();
const seconds = (s: number) => ctx.clock.advanceMinutes(s / 60);

let phones = 700;
const nextPhone = () => `+1617555${String(phones++).padStart(4, "0")}`;

type Clinic = { id: string; key: string };
type Owes = number | "prepay" | 0;
interface Waiter {
  patient: any;
  entry: any;
  phone: string;
  token: string;
}

/** A clinic, a $150 service, `owes.length` waitlisted patients (each owing as said), one opening offered to all at once. */
async function aSetup(owes: Owes[], settings: object = {}) {
  const clinic: Clinic = await aClinic(ctx, { name: "Pay Clinic" });
  const patched = await call(ctx, "PATCH", "/api/booking/settings", { key: clinic.key, body: { strategy: "broadcast", waveSize: owes.length, ...settings } });
  assert.equal(patched.status, 200, JSON.stringify(patched.body));
  const provider = await aProvider(ctx, clinic, "Dr A");
  const service = await aService(ctx, clinic, { name: "Whitening", priceCents: 15000 });
  const waiters: Omit<Waiter, "token">[] = [];
  for (const owed of owes) {
    const patient = await aPatient(ctx, clinic, { phone: nextPhone() });
    const entry = await anEntry(ctx, clinic, { patientId: patient.id, serviceId: service.id, providerIds: [provider.id] });
    if (owed === "prepay") await db.query("UPDATE patients SET prepayment_required = true WHERE id = $1", [patient.id]);
    else if (owed > 0) await db.query("UPDATE patients SET deposit_required_cents = $2 WHERE id = $1", [patient.id, owed]);
    waiters.push({ patient, entry, phone: patient.phone });
  }
  const opening = await anOpening(ctx, clinic, { providerId: provider.id, start: later(24), end: later(25) });
  await drain();
  const withTokens: Waiter[] = [];
  for (const w of waiters) withTokens.push({ ...w, token: await tokenFor(clinic, w.phone) });
  return { clinic, provider, service, opening, waiters: withTokens };
}

async function tokenFor(clinic: Clinic, phone: string): Promise<string> {
  const res = await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(phone)}`, { key: clinic.key });
  const link: string | undefined = res.body.items.filter((m: any) => m.links.some((l: string) => l.includes("/o/"))).at(-1)?.links[0];
  assert.ok(link, `no offer message to ${phone}`);
  return link.split("/o/")[1]!;
}

const accept = (token: string) => call(ctx, "POST", `/api/public/offers/${token}/accept`);
const pay = (payToken: string) => call(ctx, "POST", `/api/public/payment-holds/${payToken}/pay`);
const payTokenOf = (r: Reply) => new URL(r.body.paymentUrl).pathname.split("/pay/")[1]!;
const offerOf = async (clinic: Clinic, entryId: string) =>
  (await call(ctx, "GET", `/api/booking/waitlist/notifications?entryId=${entryId}`, { key: clinic.key })).body.items[0];
const rows = async (sql: string, params: unknown[]) => (await db.query(sql, params)).rows;
const paymentHoldsOf = (openingId: string) => rows("SELECT * FROM payment_holds WHERE opening_id = $1 ORDER BY created_at, id", [openingId]);
const ledgerOf = (patientId: string) => rows("SELECT * FROM payment_ledger WHERE patient_id = $1 ORDER BY created_at, seq", [patientId]);
const activeAt = (openingId: string) =>
  rows(
    `SELECT a.* FROM appointments a JOIN openings o ON o.id = $1 AND a.provider_id = o.provider_id
     WHERE a.status IN ('BOOKED', 'CONFIRMED') AND tstzrange(a.start_at, a.end_at) && tstzrange(o.start_at, o.end_at)`,
    [openingId],
  );

function assertHeld(r: Reply) {
  assert.equal(r.status, 409, JSON.stringify(r.body));
  assert.equal(r.body.code, "slot_filled");
  assert.match(r.body.detail, /held for another patient's payment/);
  assert.ok(!Number.isNaN(Date.parse(r.body.claimExpiresAt)), "claimExpiresAt says when to look again");
  assert.ok(Array.isArray(r.body.alternatives), "alternatives as usual");
}

test("claim → pay → booked: 202 CLAIMED for 90 s, repeatable; paying authorizes the deposit, books, records the charge", async () => {
  const {
    clinic,
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const now = ctx.clock.now();
  const claimed = await accept(w!.token);
  assert.equal(claimed.status, 202, JSON.stringify(claimed.body));
  assert.equal(claimed.body.status, "CLAIMED");
  assert.equal(claimed.body.claimExpiresAt, new Date(now.getTime() + 90_000).toISOString());
  assert.match(claimed.body.paymentUrl, /^http:\/\/localhost:3000\/pay\/p_[A-Za-z0-9_-]{43}$/);
  const payToken = payTokenOf(claimed);
  // Nothing is booked yet; the offer is still PENDING, the opening still OPEN.
  assert.equal((await offerOf(clinic, w!.entry.id)).status, "PENDING");
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${opening.id}`, { key: clinic.key })).body.status, "OPEN");
  assert.equal((await activeAt(opening.id)).length, 0);
  const [claim] = await paymentHoldsOf(opening.id);
  assert.equal(claim.status, "OPEN");
  assert.equal(claim.kind, "DEPOSIT");
  assert.equal(claim.amount_cents, 5000);
  assert.notEqual(claim.token_hash, payToken, "only the hash is stored");

  seconds(10);
  const again = await accept(w!.token);
  assert.equal(again.status, 202);
  assert.deepEqual(again.body, claimed.body, "repeating the accept during the claim: the same 202");
  assert.equal((await paymentHoldsOf(opening.id)).length, 1);

  seconds(20);
  const paid = await pay(payToken);
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  assert.equal(paid.body.status, "ACCEPTED");
  const appointmentId = paid.body.appointmentId;
  const appt = (await call(ctx, "GET", `/api/booking/appointments/${appointmentId}`, { key: clinic.key })).body;
  assert.equal(appt.patientId, w!.patient.id);
  assert.equal(appt.source, "WAITLIST");
  assert.equal(appt.start, opening.start);
  const offer = await offerOf(clinic, w!.entry.id);
  assert.equal(offer.status, "ACCEPTED");
  assert.equal(offer.bookedAppointmentId, appointmentId);
  assert.equal(offer.respondedAt, now.toISOString(), "the accept is dated when the patient claimed");
  assert.equal((await call(ctx, "GET", `/api/booking/openings/${opening.id}`, { key: clinic.key })).body.status, "FILLED");

  const charges = (await call(ctx, "GET", `/api/booking/patients/${w!.patient.id}/charges`, { key: clinic.key })).body.items;
  assert.equal(charges.length, 1);
  assert.deepEqual([charges[0].kind, charges[0].status, charges[0].amountCents, charges[0].appointmentId], ["DEPOSIT", "AUTHORIZED", 5000, appointmentId]);
  const ledger = await ledgerOf(w!.patient.id);
  assert.equal(ledger.length, 1);
  assert.deepEqual([ledger[0].kind, ledger[0].amount_cents, ledger[0].idempotency_key], ["AUTHORIZATION", 5000, claim.id]);
  const [done] = await paymentHoldsOf(opening.id);
  assert.deepEqual([done.status, done.appointment_id, done.payment_reference], ["PAID", appointmentId, ledger[0].reference]);
  const confirmations = await rows("SELECT * FROM deliveries WHERE offer_id = $1 AND kind = 'CONFIRMATION'", [offer.id]);
  assert.equal(confirmations.length, 1, "the confirmation is queued");
  const audit = (await listAudit(db, clinic.id, "claim", claim.id)).map((a) => a.action);
  assert.deepEqual(audit, ["claim.opened", "claim.paid"]);

  // Paying again and accepting again give the same answers, and move no more money.
  const payAgain = await pay(payToken);
  assert.equal(payAgain.status, 200);
  assert.deepEqual(payAgain.body, paid.body);
  const acceptAgain = await accept(w!.token);
  assert.deepEqual([acceptAgain.status, acceptAgain.body], [200, { status: "ACCEPTED", appointmentId }]);
  assert.equal((await ledgerOf(w!.patient.id)).length, 1);
  // The payment page now says booked.
  const page = await call(ctx, "GET", `/pay/${payToken}`);
  assert.equal(page.status, 200);
  assert.match(String(page.body), /You're booked/);
});

test("prepayment: the service's price is charged at the claim; the charge is a CHARGED PREPAYMENT", async () => {
  const {
    clinic,
    waiters: [w],
  } = await aSetup(["prepay"]);
  const claimed = await accept(w!.token);
  assert.equal(claimed.status, 202);
  const paid = await pay(payTokenOf(claimed));
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  const charges = (await call(ctx, "GET", `/api/booking/patients/${w!.patient.id}/charges`, { key: clinic.key })).body.items;
  assert.deepEqual(
    charges.map((c: any) => [c.kind, c.status, c.amountCents]),
    [["PREPAYMENT", "CHARGED", 15000]],
  );
  assert.deepEqual(
    (await ledgerOf(w!.patient.id)).map((l) => [l.kind, l.amount_cents]),
    [["CHARGE", 15000]],
  );
});

test("the payment page: GET changes nothing; it shows the slot, the amount, the countdown and one POST Pay button", async () => {
  const {
    clinic,
    opening,
    waiters: [w],
  } = await aSetup([2500]);
  const payToken = payTokenOf(await accept(w!.token));
  const snapshot = async () => ({
    claims: await paymentHoldsOf(opening.id),
    offers: await rows("SELECT * FROM offers WHERE clinic_id = $1 ORDER BY id", [clinic.id]),
    appointments: await rows("SELECT * FROM appointments WHERE clinic_id = $1 ORDER BY id", [clinic.id]),
    ledger: await ledgerOf(w!.patient.id),
    audit: await rows("SELECT * FROM audit_log WHERE clinic_id = $1 ORDER BY id", [clinic.id]),
  });
  const before = await snapshot();
  seconds(30);
  const page = await call(ctx, "GET", `/pay/${payToken}`);
  assert.equal(page.status, 200);
  assert.match(String(page.headers["content-type"]), /text\/html/);
  assert.equal(page.headers["cache-control"], "no-store");
  assert.match(String(page.headers["content-security-policy"]), /script-src 'nonce-/);
  const body = String(page.body);
  assert.match(body, /Pay the deposit to book this time/);
  assert.match(body, /\$25\.00/);
  assert.match(body, /data-remaining-ms="60000"/, "the countdown starts from the server's clock");
  assert.match(body, /id="test-mode">Test payment: [^<]*no money moves/, "the dev gateway's page says no money moves");
  assert.equal((body.match(/<form /g) ?? []).length, 1, "one form");
  assert.match(body, new RegExp(`<form method="post" action="/pay/${payToken}"><button class="btn primary" type="submit">Pay \\$25\\.00</button>`));
  assert.match(body, /Whitening with Dr A/);
  const json = await call(ctx, "GET", `/api/public/payment-holds/${payToken}`);
  assert.equal(json.status, 200);
  assert.deepEqual([json.body.status, json.body.kind, json.body.amountCents, json.body.appointmentId], ["OPEN", "DEPOSIT", 2500, null]);
  assert.deepEqual(await snapshot(), before, "reading the payment link changes nothing");
  // The no-script path: the form POST pays and comes back to the page, which now says booked.
  const posted = await call(ctx, "POST", `/pay/${payToken}`);
  assert.equal(posted.status, 303);
  assert.equal(posted.headers.location, `/pay/${payToken}`);
  assert.match(String((await call(ctx, "GET", `/pay/${payToken}`)).body), /You're booked/);
  // Unknown and malformed tokens.
  assert.equal((await call(ctx, "GET", "/pay/p_nope")).status, 404);
  assert.equal((await call(ctx, "GET", `/api/public/payment-holds/p_${"x".repeat(43)}`)).status, 404);
  assert.equal((await pay(`p_${"x".repeat(43)}`)).status, 404);
});

test("a claim not paid lapses after 90 s: the offer is PENDING again and another patient can book; paying it then → 410", async () => {
  const {
    clinic,
    opening,
    waiters: [a, b],
  } = await aSetup([5000, 0]);
  const claimed = await accept(a!.token);
  assert.equal(claimed.status, 202);
  seconds(30);
  const refused = await accept(b!.token);
  assertHeld(refused);
  assert.equal(refused.body.claimExpiresAt, claimed.body.claimExpiresAt);
  assert.equal((await offerOf(clinic, b!.entry.id)).status, "PENDING", "the refused patient's offer stays PENDING");

  seconds(59); // 89 s: still held
  await drain();
  assert.equal((await paymentHoldsOf(opening.id))[0].status, "OPEN");
  assertHeld(await accept(b!.token));
  seconds(1); // 90 s: it lapses
  const lapsedEarly = await pay(payTokenOf(claimed));
  assert.equal(lapsedEarly.status, 410, "past its end it cannot be paid, even before the sweep");
  assert.equal(lapsedEarly.body.code, "offer_expired");
  await drain();
  const [claim] = await paymentHoldsOf(opening.id);
  assert.equal(claim.status, "LAPSED");
  assert.equal((await offerOf(clinic, a!.entry.id)).status, "PENDING", "the claimer's offer is PENDING again while its hold lasts");
  assert.deepEqual(await ledgerOf(a!.patient.id), [], "nothing was charged");

  const won = await accept(b!.token);
  assert.equal(won.status, 200, JSON.stringify(won.body));
  const late = await pay(payTokenOf(claimed));
  assert.equal(late.status, 410);
  assert.equal(late.body.code, "offer_expired");
  assert.equal((await activeAt(opening.id)).length, 1);
  assert.equal((await activeAt(opening.id))[0].patient_id, b!.patient.id);
  const audit = (await listAudit(db, clinic.id, "claim", claim.id)).map((x) => x.action);
  assert.deepEqual(audit, ["claim.opened", "claim.lapsed"]);
});

test("the claimer can accept again after a lapse (a new claim, a new URL) while the hold lasts", async () => {
  const {
    opening,
    waiters: [a],
  } = await aSetup([5000]);
  const first = await accept(a!.token);
  seconds(120);
  const second = await accept(a!.token);
  assert.equal(second.status, 202, JSON.stringify(second.body));
  assert.notEqual(second.body.paymentUrl, first.body.paymentUrl);
  assert.deepEqual(
    (await paymentHoldsOf(opening.id)).map((c) => c.status),
    ["LAPSED", "OPEN"],
    "the stale claim was lapsed in the same transaction",
  );
  assert.equal((await pay(payTokenOf(second))).status, 200);
});

test("a declined payment: 409 conflict 'payment declined', the claim stays OPEN; trying again pays once", async () => {
  const {
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const payToken = payTokenOf(await accept(w!.token));
  ctx.payments.declineNext({ reason: "card_declined" });
  const declined = await pay(payToken);
  assert.equal(declined.status, 409, JSON.stringify(declined.body));
  assert.equal(declined.body.code, "conflict");
  assert.match(declined.body.detail, /payment declined \(card_declined\)/);
  assert.equal(declined.body.paymentDeclined, true);
  const [claim] = await paymentHoldsOf(opening.id);
  assert.deepEqual([claim.status, claim.last_failure], ["OPEN", "card_declined"]);
  assert.deepEqual(await ledgerOf(w!.patient.id), []);
  assert.equal((await activeAt(opening.id)).length, 0);
  // The page's form path says so and keeps the button.
  ctx.payments.declineNext();
  const form = await call(ctx, "POST", `/pay/${payToken}`);
  assert.equal(form.headers.location, `/pay/${payToken}?m=declined`);
  assert.match(String((await call(ctx, "GET", `/pay/${payToken}?m=declined`)).body), /declined[\s\S]*<form method="post"/);

  seconds(20);
  const paid = await pay(payToken);
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  assert.equal((await ledgerOf(w!.patient.id)).length, 1);
  assert.equal((await activeAt(opening.id)).length, 1);
});

test("a booking that fails after the payment went through is refunded through the port; the claim ends, 409 slot_filled", async () => {
  const {
    clinic,
    provider,
    service,
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const payToken = payTokenOf(await accept(w!.token));
  // The provider became busy at that time behind the opening's back (another system wrote the row).
  const other = await aPatient(ctx, clinic, { phone: nextPhone() });
  const appt = await call(ctx, "POST", "/api/booking/appointments", {
    key: clinic.key,
    body: { patientId: other.id, providerId: provider.id, serviceId: service.id, start: later(40) },
  });
  assert.equal(appt.status, 201, JSON.stringify(appt.body));
  await db.query("UPDATE appointments SET start_at = $2, end_at = $3 WHERE id = $1", [appt.body.id, opening.start, opening.end]);

  const paid = await pay(payToken);
  assert.equal(paid.status, 409, JSON.stringify(paid.body));
  assert.equal(paid.body.code, "slot_filled");
  assert.ok(Array.isArray(paid.body.alternatives));
  const ledger = await ledgerOf(w!.patient.id);
  assert.deepEqual(
    ledger.map((l) => [l.kind, l.amount_cents]),
    [
      ["AUTHORIZATION", 5000],
      ["REFUND", 5000],
    ],
  );
  assert.equal(ledger[1].refunds_reference, ledger[0].reference);
  const [claim] = await paymentHoldsOf(opening.id);
  assert.equal(claim.status, "CANCELLED");
  assert.deepEqual(
    (await listAudit(db, clinic.id, "claim", claim.id)).map((a) => a.action),
    ["claim.opened", "claim.refunded", "claim.cancelled"],
  );
  assert.deepEqual((await call(ctx, "GET", `/api/booking/patients/${w!.patient.id}/charges`, { key: clinic.key })).body.items, [], "no charge recorded");
  assert.equal((await offerOf(clinic, w!.entry.id)).status, "PENDING", "nothing of the booking was kept");
});

test("hold expiry waits for a running claim: paid after the hold's end books; not paid, the offer then EXPIRES", async () => {
  for (const pays of [true, false]) {
    const {
      clinic,
      opening,
      waiters: [w],
    } = await aSetup([5000], { holdMinutes: 10 });
    const offer = await offerOf(clinic, w!.entry.id);
    ctx.clock.set(new Date(new Date(offer.holdExpiresAt).getTime() - 30_000));
    const claimed = await accept(w!.token);
    assert.equal(claimed.status, 202);
    seconds(45); // 15 s past the hold's end, 45 s into the claim
    await drain();
    assert.equal((await offerOf(clinic, w!.entry.id)).status, "PENDING", "the hold's expiry is deferred to the claim's end");
    const again = await accept(w!.token);
    assert.deepEqual([again.status, again.body], [202, claimed.body], "repeating the accept past the hold's end, during the claim");
    if (pays) {
      const paid = await pay(payTokenOf(claimed));
      assert.equal(paid.status, 200, JSON.stringify(paid.body));
      assert.equal((await offerOf(clinic, w!.entry.id)).status, "ACCEPTED");
    } else {
      seconds(46);
      await drain();
      assert.equal((await paymentHoldsOf(opening.id))[0].status, "LAPSED");
      assert.equal((await offerOf(clinic, w!.entry.id)).status, "EXPIRED", "at the claim's end the hold that ran out expires");
      assert.equal((await accept(w!.token)).status, 410);
    }
  }
});

test("concurrency: two patients owing a deposit accept at the same instant → one 202, one 409; one appointment after payment", async () => {
  for (let round = 0; round < 8; round++) {
    const { opening, waiters } = await aSetup([5000, 7500]);
    const replies = await Promise.all(waiters.map((w) => accept(w.token)));
    const held = replies.filter((r) => r.status === 202);
    assert.equal(held.length, 1, `exactly one 202: ${replies.map((r) => r.status)}`);
    for (const r of replies) if (r.status !== 202) assertHeld(r);
    assert.equal((await paymentHoldsOf(opening.id)).length, 1);
    // The winner pays (several taps at once): one payment, one appointment.
    const paid = await Promise.all([1, 2, 3].map(() => pay(payTokenOf(held[0]!))));
    assert.deepEqual(
      paid.map((r) => r.status),
      [200, 200, 200],
      JSON.stringify(paid.map((r) => r.body)),
    );
    assert.equal(new Set(paid.map((r) => r.body.appointmentId)).size, 1);
    const winner = waiters[replies.indexOf(held[0]!)]!;
    assert.equal((await ledgerOf(winner.patient.id)).length, 1);
    const appts = await activeAt(opening.id);
    assert.equal(appts.length, 1);
    assert.equal(appts[0].patient_id, winner.patient.id);
    const loser = waiters.find((w) => w !== winner)!;
    const after = await accept(loser.token);
    assert.equal(after.status, 409);
    assert.equal(after.body.code, "slot_filled");
  }
});

test("concurrency: only one of the two owes → exactly one of them wins (202 or 200), the other 409; one appointment", async () => {
  const outcomes = new Set<string>();
  for (let round = 0; round < 8; round++) {
    const { opening, waiters } = await aSetup([5000, 0]);
    const order = round % 2 === 0 ? waiters : [...waiters].reverse();
    const replies = await Promise.all(order.map((w) => accept(w.token)));
    const wins = replies.filter((r) => r.status === 200 || r.status === 202);
    assert.equal(wins.length, 1, `exactly one winner: ${replies.map((r) => r.status)}`);
    const loser = replies.find((r) => r !== wins[0])!;
    assert.equal(loser.status, 409, JSON.stringify(loser.body));
    assert.equal(loser.body.code, "slot_filled");
    const win = wins[0]!;
    outcomes.add(String(win.status));
    if (win.status === 202) {
      assertHeld(loser);
      assert.equal((await pay(payTokenOf(win))).status, 200);
    }
    const appts = await activeAt(opening.id);
    assert.equal(appts.length, 1, "exactly one appointment");
    assert.equal(appts[0].patient_id, order[replies.indexOf(win)]!.patient.id);
  }
  console.log(`# winners by status over 8 rounds: ${[...outcomes].join(", ")}`);
});

test("the index refuses a second OPEN claim on one opening (23505)", async () => {
  const {
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  assert.equal((await accept(w!.token)).status, 202);
  const [claim] = await paymentHoldsOf(opening.id);
  const copy = (id: string, hash: string, status: string) =>
    db.query(
      `INSERT INTO payment_holds (id, clinic_id, opening_id, offer_id, entry_id, patient_id, kind, amount_cents, status, expires_at, token_hash, created_at, updated_at)
       SELECT $2, clinic_id, opening_id, offer_id, entry_id, patient_id, kind, amount_cents, $4, expires_at, $3, created_at, updated_at FROM payment_holds WHERE id = $1`,
      [claim.id, id, hash, status],
    );
  await assert.rejects(
    copy("00000000-0000-4000-8000-000000000001", "a".repeat(64), "OPEN"),
    (e: any) => e.code === "23505" && e.constraint === "payment_holds_one_open_per_opening",
  );
  await copy("00000000-0000-4000-8000-000000000002", "b".repeat(64), "LAPSED"); // ended claims do not count
});

test("SMS YES from a patient who owes a deposit: the slot is held and one text carries the payment link", async () => {
  const {
    clinic,
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const before = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(w!.phone)}`, { key: clinic.key })).body.items.length;
  const yes = await call(ctx, "POST", "/api/dev/inbound-sms", { key: clinic.key, body: { from: w!.phone, body: "YES" } });
  assert.equal(yes.status, 200, JSON.stringify(yes.body));
  assert.equal(yes.body.action, "payment_requested");
  assert.match(
    yes.body.reply,
    /^Pay Clinic: to book this time, pay the \$50\.00 deposit by \d{1,2}:\d\d [AP]M \(90 seconds\): http:\/\/localhost:3000\/pay\/p_[A-Za-z0-9_-]{43}$/,
  );
  assert.equal((await paymentHoldsOf(opening.id))[0].status, "OPEN");
  assert.equal((await offerOf(clinic, w!.entry.id)).status, "PENDING");
  await drain();
  const texts = (await call(ctx, "GET", `/api/dev/outbox?to=${encodeURIComponent(w!.phone)}`, { key: clinic.key })).body.items.slice(before);
  assert.equal(texts.length, 1, "one text");
  assert.equal(texts[0].body, yes.body.reply);
  const link = /\/pay\/(p_[A-Za-z0-9_-]{43})/.exec(texts[0].body)![1]!;
  const paid = await pay(link);
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  assert.equal((await offerOf(clinic, w!.entry.id)).status, "ACCEPTED");
});

test("voice keypad 1 from a patient who owes a deposit: nothing held, told to use the link or call", async () => {
  const {
    clinic,
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const offer = await offerOf(clinic, w!.entry.id);
  const twiml = await voiceTwiml(ctx.deps, offer.deliveries[0].id, { answeredBy: "human", digits: "1", step: "gather", machine: false });
  assert.match(twiml, /a deposit is needed first/);
  assert.deepEqual(await paymentHoldsOf(opening.id), []);
  assert.equal((await offerOf(clinic, w!.entry.id)).status, "PENDING");
  assert.equal((await activeAt(opening.id)).length, 0);
});

test("staff book a patient who owes a deposit without the payment step (taken at the desk); staff wait for another's claim", async () => {
  const {
    clinic,
    opening,
    waiters: [a, b],
  } = await aSetup([5000, 5000]);
  assert.equal((await accept(a!.token)).status, 202);
  // Another patient's claim holds it: staff recording B's yes, or booking B, are refused until it ends.
  const bOffer = await offerOf(clinic, b!.entry.id);
  const recorded = await call(ctx, "PUT", `/api/booking/waitlist/notifications/${bOffer.id}/response`, { key: clinic.key, body: { response: "ACCEPTED" } });
  assertHeld(recorded);
  const booked = await call(ctx, "POST", `/api/booking/waitlist/${b!.entry.id}/book`, { key: clinic.key, body: { slotId: opening.id } });
  assertHeld(booked);
  // Staff record A's own yes: booked at once (the claim ends; payment at the desk), no charge, no ledger row.
  const aOffer = await offerOf(clinic, a!.entry.id);
  const desk = await call(ctx, "PUT", `/api/booking/waitlist/notifications/${aOffer.id}/response`, { key: clinic.key, body: { response: "ACCEPTED" } });
  assert.equal(desk.status, 200, JSON.stringify(desk.body));
  assert.deepEqual(
    (await paymentHoldsOf(opening.id)).map((c) => c.status),
    ["CANCELLED"],
  );
  assert.equal((await activeAt(opening.id))[0].patient_id, a!.patient.id);
  assert.deepEqual(await ledgerOf(a!.patient.id), []);
  assert.deepEqual((await call(ctx, "GET", `/api/booking/patients/${a!.patient.id}/charges`, { key: clinic.key })).body.items, []);

  const other = await aSetup([5000]);
  const direct = await call(ctx, "POST", `/api/booking/waitlist/${other.waiters[0]!.entry.id}/book`, {
    key: other.clinic.key,
    body: { slotId: other.opening.id },
  });
  assert.equal(direct.status, 201, JSON.stringify(direct.body));
  assert.deepEqual(await paymentHoldsOf(other.opening.id), []);
});

test("declining during one's own claim ends it: the others can book at once", async () => {
  const {
    opening,
    waiters: [a, b],
  } = await aSetup([5000, 0]);
  const claimed = await accept(a!.token);
  assert.equal((await call(ctx, "POST", `/api/public/offers/${a!.token}/decline`)).status, 200);
  assert.deepEqual(
    (await paymentHoldsOf(opening.id)).map((c) => c.status),
    ["CANCELLED"],
  );
  assert.equal((await accept(b!.token)).status, 200);
  assert.equal((await pay(payTokenOf(claimed))).status, 409, "a cancelled claim cannot be paid");
});

test("an alternative accepted by a patient who owes: 202 CLAIMED, paying books the alternative", async () => {
  const {
    clinic,
    provider,
    service,
    waiters: [w],
  } = await aSetup([5000], { holdMinutes: 10 });
  const drB = await aProvider(ctx, clinic, "Dr B");
  const alt = await anOpening(ctx, clinic, { providerId: drB.id, start: later(30), end: later(31) });
  ctx.clock.advanceMinutes(11);
  await drain();
  const expired = await accept(w!.token);
  assert.equal(expired.status, 410);
  assert.ok(expired.body.alternatives.some((a: any) => a.slotId === alt.id));
  const claimed = await call(ctx, "POST", `/api/public/offers/${w!.token}/alternatives/${alt.id}/accept`);
  assert.equal(claimed.status, 202, JSON.stringify(claimed.body));
  assert.equal(claimed.body.status, "CLAIMED");
  const again = await call(ctx, "POST", `/api/public/offers/${w!.token}/alternatives/${alt.id}/accept`);
  assert.deepEqual([again.status, again.body], [202, claimed.body]);
  const paid = await pay(payTokenOf(claimed));
  assert.equal(paid.status, 200, JSON.stringify(paid.body));
  const appt = (await call(ctx, "GET", `/api/booking/appointments/${paid.body.appointmentId}`, { key: clinic.key })).body;
  assert.deepEqual([appt.providerId, appt.start, appt.serviceId, appt.patientId], [drB.id, alt.start, service.id, w!.patient.id]);
  assert.ok(provider.id);
});

test("the offer page: Book goes on to the payment page (303, no script needed); another patient is told it is held", async () => {
  const {
    waiters: [a, b],
  } = await aSetup([5000, 0]);
  const posted = await call(ctx, "POST", `/o/${a!.token}/accept`);
  assert.equal(posted.status, 303);
  assert.match(String(posted.headers.location), /^\/pay\/p_[A-Za-z0-9_-]{43}$/);
  const page = await call(ctx, "GET", String(posted.headers.location));
  assert.equal(page.status, 200);
  assert.match(String(page.body), /Pay \$50\.00/);
  // The same tap again leads to the same payment page.
  assert.equal((await call(ctx, "POST", `/o/${a!.token}/accept`)).headers.location, posted.headers.location);
  const other = await call(ctx, "POST", `/o/${b!.token}/accept`);
  assert.equal(other.status, 303);
  assert.equal(other.headers.location, `/o/${b!.token}?m=held`);
  assert.match(String((await call(ctx, "GET", `/o/${b!.token}?m=held`)).body), /Someone else is paying to book this time/);
});

test("OpenAPI documents the claim routes and the 202 of accept", async () => {
  const docs = (await call(ctx, "GET", "/docs/json")).body;
  assert.ok(docs.paths["/api/public/offers/{token}/accept"].post.responses["202"]);
  assert.ok(docs.paths["/api/public/offers/{token}/alternatives/{slotId}/accept"].post.responses["202"]);
  const payDoc = docs.paths["/api/public/payment-holds/{token}/pay"].post;
  for (const s of ["200", "404", "409", "410"]) assert.ok(payDoc.responses[s], `pay documents ${s}`);
  assert.ok(docs.paths["/api/public/payment-holds/{token}"].get.responses["200"]);
  assert.equal(docs.paths["/pay/{token}"], undefined, "the HTML page is not an API route");
});

test("no patient data in the log", async () => {
  for (const line of ctx.logged) assert.doesNotMatch(line, /\+1617555|Pat Example/);
});

test("staff see a running claim on Today: who is paying, how much, and the countdown; gone once it lapses", async () => {
  const {
    clinic,
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const { agent } = await loggedIn(ctx, clinic.key);
  assert.doesNotMatch((await agent.get("/today/panel")).body, /Held for payment/);
  const claimed = await accept(w!.token);
  assert.equal(claimed.status, 202);
  const held = (await agent.get("/today/panel")).body;
  const card = held.slice(held.indexOf(`data-opening="${opening.id}"`));
  assert.match(card, /<strong>Held for payment:<\/strong> Pat Example is paying a \$50 deposit <span class="countdown" data-until="[^"]+"[^>]*>1:30 left/);
  seconds(91);
  await drain();
  assert.doesNotMatch((await agent.get("/today/panel")).body, /Held for payment/);
});

test("a gateway that throws (network down) is a retryable decline: 409 conflict, the claim stays OPEN, never a 500", async () => {
  const {
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const payToken = payTokenOf(await accept(w!.token));
  const dev = ctx.deps.payments;
  ctx.deps.payments = {
    testMode: true,
    charge: dev.charge.bind(dev),
    refund: dev.refund.bind(dev),
    authorizeDeposit: () => Promise.reject(new Error("ECONNRESET")),
  };
  try {
    const res = await pay(payToken);
    assert.equal(res.status, 409, JSON.stringify(res.body));
    assert.equal(res.body.code, "conflict");
    assert.match(res.body.detail, /gateway_unavailable/);
  } finally {
    ctx.deps.payments = dev;
  }
  assert.equal((await paymentHoldsOf(opening.id))[0].status, "OPEN");
  assert.equal((await pay(payToken)).status, 200, "trying again pays");
});

test("the payment went through but the booking transaction died (its connection killed): the money is given back", async () => {
  const {
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const payToken = payTokenOf(await accept(w!.token));
  const dev = ctx.deps.payments;
  // After the authorization, the connection of the transaction waiting for it (it holds the opening's
  // lock, idle in transaction) is terminated: a real infrastructure failure, not a refusal.
  const dying = async (r: Parameters<typeof dev.authorizeDeposit>[0]) => {
    const answer = await dev.authorizeDeposit(r);
    await db.query(
      `SELECT pg_terminate_backend(pid) FROM pg_stat_activity
       WHERE datname = current_database() AND state = 'idle in transaction' AND pid <> pg_backend_pid()`,
    );
    return answer;
  };
  ctx.deps.payments = { testMode: true, charge: dev.charge.bind(dev), refund: dev.refund.bind(dev), authorizeDeposit: dying };
  try {
    const res = await pay(payToken);
    assert.equal(res.status, 500, "an infrastructure failure, not the patient's input");
  } finally {
    ctx.deps.payments = dev;
  }
  assert.deepEqual(
    (await ledgerOf(w!.patient.id)).map((l) => [l.kind, l.amount_cents]),
    [
      ["AUTHORIZATION", 5000],
      ["REFUND", 5000],
    ],
  );
  assert.equal((await paymentHoldsOf(opening.id))[0].status, "OPEN", "nothing of the failed transaction was kept");
  assert.equal((await activeAt(opening.id)).length, 0);
});

test("one payment step at a time: claiming an alternative gives up the time held before, which others can book at once", async () => {
  const {
    clinic,
    opening,
    waiters: [a, b],
  } = await aSetup([5000, 0]);
  const drB = await aProvider(ctx, clinic, "Dr B");
  const alt = await anOpening(ctx, clinic, { providerId: drB.id, start: later(30), end: later(31) });
  const first = await accept(a!.token);
  assert.equal(first.status, 202, JSON.stringify(first.body));
  assertHeld(await accept(b!.token));
  // A second tab: the same patient takes an alternative while the first claim runs.
  const second = await call(ctx, "POST", `/api/public/offers/${a!.token}/alternatives/${alt.id}/accept`);
  assert.equal(second.status, 202, JSON.stringify(second.body));
  assert.deepEqual(
    (await paymentHoldsOf(opening.id)).map((c) => c.status),
    ["CANCELLED"],
  );
  assert.equal((await pay(payTokenOf(first))).status, 409, "the first claim can no longer be paid");
  const other = await accept(b!.token);
  assert.equal(other.status, 200, JSON.stringify(other.body));
  assert.equal((await pay(payTokenOf(second))).status, 200, "the alternative is still theirs to pay");
});

test("staff booking a walk-in over a time being paid for: the opening is filled, the claim ends at once, paying it → 409 slot_filled", async () => {
  const {
    clinic,
    provider,
    service,
    opening,
    waiters: [w],
  } = await aSetup([5000]);
  const claimed = await accept(w!.token);
  assert.equal(claimed.status, 202);
  const walkIn = await aPatient(ctx, clinic, { phone: nextPhone() });
  const booked = await call(ctx, "POST", "/api/booking/appointments", {
    key: clinic.key,
    body: { patientId: walkIn.id, providerId: provider.id, serviceId: service.id, start: opening.start },
  });
  assert.equal(booked.status, 201, JSON.stringify(booked.body));
  assert.deepEqual(
    (await paymentHoldsOf(opening.id)).map((c) => c.status),
    ["CANCELLED"],
  );
  const paid = await pay(payTokenOf(claimed));
  assert.equal(paid.status, 409);
  assert.deepEqual(await ledgerOf(w!.patient.id), [], "nothing was charged");
});
