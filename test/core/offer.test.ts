// The offer decider as given/when/then: given a state (and, for WITHDRAWN, why), when a command,
// then the events or the refusal code. Every status × every command is in the table below.
import assert from "node:assert/strict";
import { test } from "node:test";
import fc from "fast-check";
import {
  decide,
  evolve,
  evolveAll,
  holdRunning,
  isLive,
  type OfferCommand,
  type OfferEvent,
  type OfferState,
  WITHDRAW_REASONS,
  type WithdrawReason,
} from "../../src/core/offer.ts";
import type { ErrorCode } from "../../src/core/errors.ts";
import { OFFER_STATUSES, type OfferStatus } from "../../src/core/types.ts";

const d = (iso: string) => new Date(iso);
const SENT = d("2026-06-10T14:00:00.000Z");
const HOLD = d("2026-06-10T16:00:00.000Z"); // a two-hour hold
const DURING = d("2026-06-10T15:00:00.000Z");
const AFTER = d("2026-06-10T16:30:00.000Z");
const LATER_HOLD = d("2026-06-10T18:00:00.000Z");

const scheduled = (): OfferState => ({
  status: "SCHEDULED",
  sentAt: null,
  holdExpiresAt: null,
  respondedAt: null,
  response: null,
  holdReleased: false,
  withdrawReason: null,
});
const pending = (): OfferState => ({ ...scheduled(), status: "PENDING", sentAt: SENT, holdExpiresAt: HOLD });
const closed = (status: OfferStatus): OfferState => ({ ...pending(), status, holdReleased: true, withdrawReason: status === "WITHDRAWN" ? "filled" : null });

type CommandType = OfferCommand["type"];
const COMMANDS: CommandType[] = ["send", "accept", "decline", "expire", "withdraw"];

function command(type: CommandType, now: Date, reason: WithdrawReason = "filled"): OfferCommand {
  switch (type) {
    case "send":
      return { type, now, holdExpiresAt: LATER_HOLD };
    case "withdraw":
      return { type, now, reason };
    default:
      return { type, now };
  }
}

/** What the decider answers: the event types, or the refusal code. */
type Outcome = { events: OfferEvent["type"][] } | { refused: ErrorCode };
const events = (...types: OfferEvent["type"][]): Outcome => ({ events: types });
const refused = (code: ErrorCode): Outcome => ({ refused: code });

interface Given {
  name: string;
  state: OfferState;
  now: Date;
  withdrawnBecause?: "filled" | "other";
  then: Record<CommandType, Outcome>;
}

const givens: Given[] = [
  {
    name: "SCHEDULED",
    state: scheduled(),
    now: DURING,
    then: {
      send: events("sent"),
      accept: events("accepted"), // staff reached the patient by phone
      decline: events("declined"),
      expire: refused("offer_closed"), // no hold runs yet, nothing to expire
      withdraw: events("withdrawn"),
    },
  },
  {
    name: "PENDING, hold running",
    state: pending(),
    now: DURING,
    then: {
      send: refused("offer_closed"),
      accept: events("accepted"),
      decline: events("declined"),
      expire: refused("conflict"),
      withdraw: events("withdrawn"),
    },
  },
  {
    name: "PENDING, hold run out (not yet expired by the sweep)",
    state: pending(),
    now: AFTER,
    then: {
      send: refused("offer_closed"),
      accept: refused("offer_expired"),
      decline: refused("offer_expired"),
      expire: events("expired"),
      withdraw: events("withdrawn"),
    },
  },
  ...(["ACCEPTED", "DECLINED"] as const).map(
    (status): Given => ({
      name: status,
      state: closed(status),
      now: DURING,
      then: {
        send: refused("offer_closed"),
        accept: refused("offer_closed"),
        decline: refused("offer_closed"),
        expire: refused("offer_closed"),
        withdraw: refused("offer_closed"),
      },
    }),
  ),
  {
    name: "EXPIRED",
    state: closed("EXPIRED"),
    now: AFTER,
    then: {
      send: refused("offer_closed"),
      accept: refused("offer_expired"),
      decline: refused("offer_expired"),
      expire: refused("offer_expired"),
      withdraw: refused("offer_expired"),
    },
  },
  {
    name: "WITHDRAWN because the opening was filled",
    state: closed("WITHDRAWN"),
    now: DURING,
    withdrawnBecause: "filled",
    then: {
      send: refused("offer_closed"),
      accept: refused("slot_filled"),
      decline: refused("slot_filled"),
      expire: refused("slot_filled"),
      withdraw: refused("slot_filled"),
    },
  },
  ...([undefined, "other"] as const).map(
    (because): Given => ({
      name: `WITHDRAWN for another reason (withdrawnBecause ${because ?? "not given"})`,
      state: closed("WITHDRAWN"),
      now: DURING,
      withdrawnBecause: because,
      then: {
        send: refused("offer_closed"),
        accept: refused("offer_closed"),
        decline: refused("offer_closed"),
        expire: refused("offer_closed"),
        withdraw: refused("offer_closed"),
      },
    }),
  ),
];

test("the table covers every status", () => {
  const covered = new Set(givens.map((g) => g.state.status));
  assert.deepEqual([...covered].sort(), [...OFFER_STATUSES].sort());
});

for (const g of givens) {
  for (const type of COMMANDS) {
    const expected = g.then[type];
    const label = "events" in expected ? expected.events.join(", ") : `refused: ${expected.refused}`;
    test(`given ${g.name}, when ${type}, then ${label}`, () => {
      const cmd = command(type, g.now);
      const result = decide(cmd, g.state, g.withdrawnBecause);
      if ("refused" in expected) {
        assert.equal(result.ok, false, JSON.stringify(result));
        if (!result.ok) {
          assert.equal(result.code, expected.refused);
          assert.ok(result.detail.length > 0, "a refusal says why");
        }
        return;
      }
      assert.ok(result.ok, JSON.stringify(result));
      assert.deepEqual(
        result.value.map((e) => e.type),
        expected.events,
      );
      // Every event carries the command's `now`; sent carries the new hold, withdrawn the reason.
      const event = result.value[0]!;
      assert.equal(event.at, g.now);
      if (event.type === "sent") assert.equal(event.holdExpiresAt, LATER_HOLD);
      if (event.type === "withdrawn") assert.equal(event.reason, "filled");
    });
  }
}

test("withdrawnBecause only matters for a WITHDRAWN offer", () => {
  for (const status of ["ACCEPTED", "DECLINED", "EXPIRED"] as const) {
    for (const because of ["filled", "other"] as const) {
      const r = decide({ type: "accept", now: DURING }, closed(status), because);
      assert.equal(r.ok, false);
      if (!r.ok) assert.equal(r.code, status === "EXPIRED" ? "offer_expired" : "offer_closed", `${status}/${because}`);
    }
  }
  for (const because of ["filled", "other"] as const) {
    assert.deepEqual(decide({ type: "accept", now: DURING }, pending(), because), { ok: true, value: [{ type: "accepted", at: DURING }] });
  }
});

test("given a live offer (SCHEDULED, PENDING in or past its hold), when withdraw for each reason, then withdrawn carrying it, and evolve records it", () => {
  const live: [string, OfferState, Date][] = [
    ["SCHEDULED", scheduled(), DURING],
    ["PENDING, hold running", pending(), DURING],
    ["PENDING, hold run out", pending(), AFTER],
  ];
  for (const [name, state, now] of live) {
    for (const reason of WITHDRAW_REASONS) {
      const r = decide({ type: "withdraw", now, reason }, state);
      assert.deepEqual(r, { ok: true, value: [{ type: "withdrawn", at: now, reason }] }, `${name}/${reason}`);
      assert.deepEqual(
        evolveAll(state, r.ok ? r.value : []),
        { ...state, status: "WITHDRAWN", holdReleased: true, withdrawReason: reason },
        `${name}/${reason}`,
      );
    }
  }
});

test("given an offer that is over, when withdraw (any reason), then refused and nothing changes", () => {
  const over: [OfferState, ErrorCode, "filled" | "other" | undefined][] = [
    [closed("ACCEPTED"), "offer_closed", undefined],
    [closed("DECLINED"), "offer_closed", undefined],
    [closed("EXPIRED"), "offer_expired", undefined],
    [closed("WITHDRAWN"), "slot_filled", "filled"],
    [closed("WITHDRAWN"), "offer_closed", "other"],
  ];
  for (const [state, code, because] of over) {
    for (const reason of WITHDRAW_REASONS) {
      const r = decide({ type: "withdraw", now: DURING, reason }, state, because);
      assert.equal(r.ok, false, `${state.status}/${reason}`);
      if (!r.ok) assert.equal(r.code, code, `${state.status}/${reason}`);
    }
  }
});

test("WITHDRAW_REASONS: the one list of reasons, no duplicates", () => {
  assert.equal(new Set(WITHDRAW_REASONS).size, WITHDRAW_REASONS.length);
  assert.deepEqual([...WITHDRAW_REASONS].sort(), ["booked_elsewhere", "cap", "closed", "entry_removed", "expired", "filled", "too_late", "unreachable"]);
});

test("given SCHEDULED, when send with a hold that is already over (or ends now), then offer_expired", () => {
  for (const holdExpiresAt of [DURING, d("2026-06-10T14:59:59.999Z")]) {
    const r = decide({ type: "send", now: DURING, holdExpiresAt }, scheduled());
    assert.equal(r.ok, false);
    if (!r.ok) assert.equal(r.code, "offer_expired");
  }
  const justAfter = d("2026-06-10T15:00:00.001Z");
  assert.deepEqual(decide({ type: "send", now: DURING, holdExpiresAt: justAfter }, scheduled()), {
    ok: true,
    value: [{ type: "sent", at: DURING, holdExpiresAt: justAfter }],
  });
});

// ---- hold boundaries ----

const justBefore = new Date(HOLD.getTime() - 1);

test("given PENDING, when accept 1 ms before holdExpiresAt, then accepted", () => {
  assert.deepEqual(decide({ type: "accept", now: justBefore }, pending()), {
    ok: true,
    value: [{ type: "accepted", at: justBefore }],
  });
});

test("given PENDING, when accept at exactly holdExpiresAt, then offer_expired", () => {
  const r = decide({ type: "accept", now: HOLD }, pending());
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, "offer_expired");
});

test("given PENDING, when decline at exactly holdExpiresAt, then offer_expired; 1 ms before, declined", () => {
  const r = decide({ type: "decline", now: HOLD }, pending());
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, "offer_expired");
  assert.deepEqual(decide({ type: "decline", now: justBefore }, pending()), {
    ok: true,
    value: [{ type: "declined", at: justBefore }],
  });
});

test("given PENDING, when expire 1 ms before holdExpiresAt, then conflict; at exactly holdExpiresAt, expired", () => {
  const early = decide({ type: "expire", now: justBefore }, pending());
  assert.equal(early.ok, false);
  if (!early.ok) assert.equal(early.code, "conflict");
  assert.deepEqual(decide({ type: "expire", now: HOLD }, pending()), { ok: true, value: [{ type: "expired", at: HOLD }] });
});

test("given PENDING without a hold (a malformed row), accept is refused as expired and expire succeeds", () => {
  const state: OfferState = { ...pending(), holdExpiresAt: null };
  const r = decide({ type: "accept", now: DURING }, state);
  assert.equal(r.ok, false);
  if (!r.ok) assert.equal(r.code, "offer_expired");
  assert.equal(decide({ type: "expire", now: DURING }, state).ok, true);
});

test("holdRunning: only PENDING with a hold in the future", () => {
  assert.equal(holdRunning(pending(), DURING), true);
  assert.equal(holdRunning(pending(), justBefore), true);
  assert.equal(holdRunning(pending(), HOLD), false);
  assert.equal(holdRunning(pending(), AFTER), false);
  assert.equal(holdRunning({ ...pending(), holdExpiresAt: null }, DURING), false);
  for (const status of OFFER_STATUSES.filter((s) => s !== "PENDING")) {
    assert.equal(holdRunning({ ...pending(), status }, DURING), false, status);
  }
});

test("isLive: SCHEDULED and PENDING only", () => {
  assert.deepEqual(
    OFFER_STATUSES.filter((s) => isLive(s)),
    ["SCHEDULED", "PENDING"],
  );
});

// ---- evolve ----

test("evolve sent: SCHEDULED → PENDING with sentAt and the hold", () => {
  assert.deepEqual(evolve(scheduled(), { type: "sent", at: SENT, holdExpiresAt: HOLD }), {
    status: "PENDING",
    sentAt: SENT,
    holdExpiresAt: HOLD,
    respondedAt: null,
    response: null,
    holdReleased: false,
    withdrawReason: null,
  });
});

test("evolve accepted: ACCEPTED, answered at, hold released", () => {
  assert.deepEqual(evolve(pending(), { type: "accepted", at: DURING }), {
    status: "ACCEPTED",
    sentAt: SENT,
    holdExpiresAt: HOLD,
    respondedAt: DURING,
    response: "ACCEPTED",
    holdReleased: true,
    withdrawReason: null,
  });
});

test("evolve declined: DECLINED, answered at, hold released", () => {
  assert.deepEqual(evolve(pending(), { type: "declined", at: DURING }), {
    status: "DECLINED",
    sentAt: SENT,
    holdExpiresAt: HOLD,
    respondedAt: DURING,
    response: "DECLINED",
    holdReleased: true,
    withdrawReason: null,
  });
});

test("evolve expired: EXPIRED, response NO_RESPONSE, no respondedAt (the patient never answered)", () => {
  assert.deepEqual(evolve(pending(), { type: "expired", at: AFTER }), {
    status: "EXPIRED",
    sentAt: SENT,
    holdExpiresAt: HOLD,
    respondedAt: null,
    response: "NO_RESPONSE",
    holdReleased: true,
    withdrawReason: null,
  });
});

test("evolve withdrawn: WITHDRAWN, hold released, no response", () => {
  assert.deepEqual(evolve(pending(), { type: "withdrawn", at: DURING, reason: "filled" }), {
    status: "WITHDRAWN",
    sentAt: SENT,
    holdExpiresAt: HOLD,
    respondedAt: null,
    response: null,
    holdReleased: true,
    withdrawReason: "filled",
  });
  assert.deepEqual(evolve(scheduled(), { type: "withdrawn", at: DURING, reason: "closed" }), {
    ...scheduled(),
    status: "WITHDRAWN",
    holdReleased: true,
    withdrawReason: "closed",
  });
});

test("evolve does not mutate the state it is given", () => {
  const state = scheduled();
  const copy = structuredClone(state);
  evolve(state, { type: "sent", at: SENT, holdExpiresAt: HOLD });
  assert.deepEqual(state, copy);
});

test("evolveAll: no events leave the state as it is; events apply in order", () => {
  assert.deepEqual(evolveAll(pending(), []), pending());
  assert.deepEqual(
    evolveAll(scheduled(), [
      { type: "sent", at: SENT, holdExpiresAt: HOLD },
      { type: "accepted", at: DURING },
    ]),
    {
      status: "ACCEPTED",
      sentAt: SENT,
      holdExpiresAt: HOLD,
      respondedAt: DURING,
      response: "ACCEPTED",
      holdReleased: true,
      withdrawReason: null,
    },
  );
});

test("given/when/then end to end: scheduled, sent, then accepted within the hold", () => {
  let state = scheduled();
  for (const cmd of [
    { type: "send", now: SENT, holdExpiresAt: HOLD },
    { type: "accept", now: DURING },
  ] satisfies OfferCommand[]) {
    const r = decide(cmd, state);
    assert.ok(r.ok, JSON.stringify(r));
    state = evolveAll(state, r.value);
  }
  assert.equal(state.status, "ACCEPTED");
  const again = decide({ type: "accept", now: DURING }, state);
  assert.equal(again.ok, false);
  if (!again.ok) assert.equal(again.code, "offer_closed");
});

// ---- property ----

const TERMINAL: OfferStatus[] = ["ACCEPTED", "DECLINED", "EXPIRED", "WITHDRAWN"];
const BASE = SENT.getTime();
const MINUTE = 60_000;

const arbCommand: fc.Arbitrary<OfferCommand> = fc.oneof(
  fc.record({ at: fc.integer({ min: -300, max: 600 }), hold: fc.integer({ min: -60, max: 300 }) }).map(({ at, hold }) => ({
    type: "send" as const,
    now: new Date(BASE + at * MINUTE),
    holdExpiresAt: new Date(BASE + (at + hold) * MINUTE),
  })),
  ...(["accept", "decline", "expire"] as const).map((type) => fc.integer({ min: -300, max: 600 }).map((at) => ({ type, now: new Date(BASE + at * MINUTE) }))),
  fc
    .record({
      at: fc.integer({ min: -300, max: 600 }),
      reason: fc.constantFrom<WithdrawReason>(...WITHDRAW_REASONS),
    })
    .map(({ at, reason }) => ({ type: "withdraw" as const, now: new Date(BASE + at * MINUTE), reason })),
);

test("property: from a fresh SCHEDULED offer, a terminal state is never left, and PENDING always has its hold", () => {
  fc.assert(
    fc.property(fc.array(arbCommand, { maxLength: 30 }), fc.constantFrom<"filled" | "other" | undefined>("filled", "other", undefined), (commands, because) => {
      let state = scheduled();
      for (const cmd of commands) {
        const before = state;
        const r = decide(cmd, state, because);
        if (r.ok) {
          assert.equal(r.value.length, 1);
          state = evolveAll(state, r.value);
        }
        if (TERMINAL.includes(before.status)) {
          assert.equal(r.ok, false, `${before.status} accepted ${cmd.type}`);
          assert.deepEqual(state, before);
        }
        if (state.status === "PENDING") {
          assert.ok(state.sentAt !== null && state.holdExpiresAt !== null);
          assert.ok(state.holdExpiresAt.getTime() > state.sentAt.getTime(), "a hold runs forward");
        }
        if (before.status === "PENDING" && state.status === "ACCEPTED") {
          assert.ok(cmd.now.getTime() < before.holdExpiresAt!.getTime(), "accepted only while the hold runs");
        }
        if (TERMINAL.includes(state.status)) assert.equal(state.holdReleased, true);
      }
    }),
    { numRuns: 500 },
  );
});
