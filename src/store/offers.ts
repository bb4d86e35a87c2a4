// Offers (API: notifications): one opening offered to one waitlist entry, with a hold.
import { isWithdrawReason, type OfferState, type WithdrawReason } from "../core/offer.ts";
import type { Channel, Offer, OfferResponseValue, OfferStatus } from "../core/types.ts";
import type { Queryable } from "./db.ts";
import { toPage, type Page, type PageRequest } from "./page.ts";

/** An `offers` row as pg returns it (timestamptz → Date); the CHECK constraints stand behind the unions. */
export interface OfferRow {
  id: string;
  clinic_id: string;
  opening_id: string;
  entry_id: string;
  patient_id: string;
  status: OfferStatus;
  channel: Channel | null;
  wave: number;
  rank: number | null;
  score: number | null;
  hold_minutes: number;
  message: string | null;
  scheduled_for: Date | null;
  sent_at: Date | null;
  hold_expires_at: Date | null;
  hold_released: boolean;
  responded_at: Date | null;
  response: OfferResponseValue | null;
  booked_appointment_id: string | null;
  /** Free text in the schema (002): checked against the one list here. */
  withdraw_reason: string | null;
  created_at: Date;
  updated_at: Date;
}

export function parseOffer(r: OfferRow): Offer {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    openingId: r.opening_id,
    entryId: r.entry_id,
    patientId: r.patient_id,
    status: r.status,
    channel: r.channel,
    wave: r.wave,
    rank: r.rank,
    score: r.score,
    holdMinutes: r.hold_minutes,
    message: r.message,
    scheduledFor: r.scheduled_for,
    sentAt: r.sent_at,
    holdExpiresAt: r.hold_expires_at,
    holdReleased: r.hold_released,
    respondedAt: r.responded_at,
    response: r.response,
    bookedAppointmentId: r.booked_appointment_id,
    withdrawReason: parseWithdrawReason(r.withdraw_reason, r.id),
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function parseWithdrawReason(raw: string | null, offerId: string): WithdrawReason | null {
  if (raw === null) return null;
  if (!isWithdrawReason(raw)) throw new Error(`offer ${offerId} has an unknown withdraw_reason ${JSON.stringify(raw)}`);
  return raw;
}

export interface NewOffer {
  clinicId: string;
  openingId: string;
  entryId: string;
  patientId: string;
  channel: Channel;
  wave: number;
  rank: number | null;
  score: number | null;
  holdMinutes: number;
  scheduledFor: Date;
  at: Date;
}

/** A SCHEDULED offer; the unique indexes refuse a second live offer per entry or patient (23505). */
export async function insertOffer(q: Queryable, o: NewOffer): Promise<Offer> {
  const { rows } = await q.query<OfferRow>(
    `INSERT INTO offers (clinic_id, opening_id, entry_id, patient_id, status, channel, wave, rank, score, hold_minutes,
       scheduled_for, created_at, updated_at)
     VALUES ($1, $2, $3, $4, 'SCHEDULED', $5, $6, $7, $8, $9, $10, $11, $11) RETURNING *`,
    [o.clinicId, o.openingId, o.entryId, o.patientId, o.channel, o.wave, o.rank, o.score, o.holdMinutes, o.scheduledFor, o.at],
  );
  return parseOffer(rows[0]!);
}

export async function getOffer(q: Queryable, clinicId: string, id: string, forUpdate = false): Promise<Offer | null> {
  const { rows } = await q.query<OfferRow>(`SELECT * FROM offers WHERE clinic_id = $1 AND id = $2${forUpdate ? " FOR UPDATE" : ""}`, [clinicId, id]);
  return rows[0] ? parseOffer(rows[0]) : null;
}

/** Writes the decider's new state, guarded on the status it was decided from. Null if it moved meanwhile. */
export async function saveOfferState(
  q: Queryable,
  offer: Offer,
  next: OfferState & { bookedAppointmentId?: string | null; message?: string | null },
  at: Date,
): Promise<Offer | null> {
  const { rows } = await q.query<OfferRow>(
    `UPDATE offers SET status = $4, sent_at = $5, hold_expires_at = $6, responded_at = $7, response = $8,
       hold_released = $9, booked_appointment_id = COALESCE($10, booked_appointment_id),
       withdraw_reason = $11, message = COALESCE($12, message), updated_at = $13
     WHERE clinic_id = $1 AND id = $2 AND status = $3 RETURNING *`,
    [
      offer.clinicId,
      offer.id,
      offer.status,
      next.status,
      next.sentAt,
      next.holdExpiresAt,
      next.respondedAt,
      next.response,
      next.holdReleased,
      next.bookedAppointmentId ?? null,
      next.withdrawReason,
      next.message ?? null,
      at,
    ],
  );
  return rows[0] ? parseOffer(rows[0]) : null;
}

/** A message of an offer went out after the offer was withdrawn: when, so that it counts against the caps. */
export async function recordLateSend(q: Queryable, clinicId: string, id: string, at: Date): Promise<void> {
  await q.query("UPDATE offers SET sent_at = $3, updated_at = $3 WHERE clinic_id = $1 AND id = $2 AND status = 'WITHDRAWN' AND sent_at IS NULL", [
    clinicId,
    id,
    at,
  ]);
}

export async function liveOffersOfOpening(q: Queryable, clinicId: string, openingId: string, forUpdate = false): Promise<Offer[]> {
  const { rows } = await q.query<OfferRow>(
    `SELECT * FROM offers WHERE clinic_id = $1 AND opening_id = $2 AND status IN ('SCHEDULED', 'PENDING')
     ORDER BY id${forUpdate ? " FOR UPDATE" : ""}`,
    [clinicId, openingId],
  );
  return rows.map(parseOffer);
}

export async function offersOfOpening(q: Queryable, clinicId: string, openingId: string): Promise<Offer[]> {
  const { rows } = await q.query<OfferRow>("SELECT * FROM offers WHERE clinic_id = $1 AND opening_id = $2 ORDER BY created_at, id", [clinicId, openingId]);
  return rows.map(parseOffer);
}

export async function liveOfferOfPatient(q: Queryable, clinicId: string, patientId: string, forUpdate = false): Promise<Offer | null> {
  const { rows } = await q.query<OfferRow>(
    `SELECT * FROM offers WHERE clinic_id = $1 AND patient_id = $2 AND status IN ('SCHEDULED', 'PENDING')${forUpdate ? " FOR UPDATE" : ""}`,
    [clinicId, patientId],
  );
  return rows[0] ? parseOffer(rows[0]) : null;
}

/** PENDING offers whose hold has run out (and no claim of theirs is OPEN: it waits), locked for this runner only. */
export async function lockExpiredHolds(q: Queryable, now: Date, limit: number): Promise<Offer[]> {
  const { rows } = await q.query<OfferRow>(
    `SELECT * FROM offers WHERE status = 'PENDING' AND hold_expires_at <= $1
       AND NOT EXISTS (SELECT 1 FROM payment_holds c WHERE c.offer_id = offers.id AND c.status = 'OPEN')
     ORDER BY hold_expires_at LIMIT $2 FOR UPDATE SKIP LOCKED`,
    [now, limit],
  );
  return rows.map(parseOffer);
}

export async function listOffers(
  q: Queryable,
  clinicId: string,
  f: { status?: OfferStatus; entryId?: string; openingId?: string },
  page: PageRequest,
): Promise<Page<Offer>> {
  const { rows } = await q.query<OfferRow>(
    `SELECT * FROM offers WHERE clinic_id = $1 AND ($2::text IS NULL OR status = $2)
       AND ($3::uuid IS NULL OR entry_id = $3) AND ($4::uuid IS NULL OR opening_id = $4)
       AND ($5::timestamptz IS NULL OR (created_at, id) > ($5::timestamptz, $6::uuid))
     ORDER BY created_at, id LIMIT $7`,
    [clinicId, f.status ?? null, f.entryId ?? null, f.openingId ?? null, page.after?.key ?? null, page.after?.id ?? null, page.limit + 1],
  );
  return toPage(rows.map(parseOffer), page.limit, (o) => ({ key: o.createdAt.toISOString(), id: o.id }));
}

/** Which live offers a withdrawal is about: those of one opening, or those of one waitlist entry. */
export type LiveOffersOf = { openingId: string } | { entryId: string };

/**
 * The live offers of an opening (locked by the caller) or of an entry, locked for a withdrawal. Lock
 * order as everywhere: for an entry, the offers' openings first (they are woken after), then the offers.
 */
export async function lockLiveOffers(q: Queryable, clinicId: string, of: LiveOffersOf): Promise<Offer[]> {
  const [column, id] = "openingId" in of ? ["opening_id", of.openingId] : ["entry_id", of.entryId];
  if ("entryId" in of) {
    await q.query<OfferRow>(
      `SELECT id FROM openings WHERE clinic_id = $1 AND id IN (SELECT opening_id FROM offers WHERE clinic_id = $1 AND entry_id = $2
         AND status IN ('SCHEDULED', 'PENDING')) ORDER BY id FOR UPDATE`,
      [clinicId, of.entryId],
    );
  }
  const { rows } = await q.query<OfferRow>(
    `SELECT * FROM offers WHERE clinic_id = $1 AND ${column} = $2 AND status IN ('SCHEDULED', 'PENDING') ORDER BY id FOR UPDATE`,
    [clinicId, id],
  );
  return rows.map(parseOffer);
}

/** An offer and the state the decider moved it to. */
export interface Decided {
  offer: Offer;
  next: OfferState;
}

/**
 * Writes withdrawals the decider decided, each guarded on the status it was decided from, and what a
 * withdrawn offer means around it: its entry leaves NOTIFIED (back to ACTIVE; the caller may set another
 * status after), its queued messages are not sent. With `wakeOpenings` (withdrawn for the entry's sake:
 * removed, booked elsewhere, unreachable), each opening left with no live offer moves on now, or it would
 * wait for the cut-off with nobody holding an offer. Returns the ids of the offers written.
 */
export async function saveWithdrawals(q: Queryable, clinicId: string, decided: Decided[], at: Date, wakeOpenings: boolean): Promise<string[]> {
  if (decided.length === 0) return [];
  const { rows } = await q.query<{ id: string; entry_id: string; opening_id: string }>(
    `UPDATE offers o SET status = d.status, hold_released = d.hold_released, withdraw_reason = d.withdraw_reason, updated_at = $3
     FROM unnest($2::uuid[], $4::text[], $5::text[], $6::boolean[], $7::text[]) AS d (id, from_status, status, hold_released, withdraw_reason)
     WHERE o.clinic_id = $1 AND o.id = d.id AND o.status = d.from_status
     RETURNING o.id, o.entry_id, o.opening_id`,
    [
      clinicId,
      decided.map((d) => d.offer.id),
      at,
      decided.map((d) => d.offer.status),
      decided.map((d) => d.next.status),
      decided.map((d) => d.next.holdReleased),
      decided.map((d) => d.next.withdrawReason),
    ],
  );
  if (rows.length === 0) return [];
  if (wakeOpenings) {
    // The openings are locked (again: an offer may have appeared meanwhile) before looking, in a new
    // statement with a new snapshot: a decline or an expiry of the same opening's last other offer holds
    // that lock too, so one of the two always sees the other's change.
    const openingIds = [...new Set(rows.map((r) => r.opening_id))].sort();
    await q.query("SELECT id FROM openings WHERE clinic_id = $1 AND id = ANY($2::uuid[]) ORDER BY id FOR UPDATE", [clinicId, openingIds]);
    await q.query(
      `UPDATE openings o SET next_wave_at = $3, updated_at = $3
       WHERE o.clinic_id = $1 AND o.id = ANY($2::uuid[]) AND o.status = 'OPEN'
         AND NOT EXISTS (SELECT 1 FROM offers f WHERE f.opening_id = o.id AND f.status IN ('SCHEDULED', 'PENDING'))`,
      [clinicId, openingIds, at],
    );
  }
  await q.query(
    `UPDATE waitlist_entries SET status = 'ACTIVE', updated_at = $3
     WHERE clinic_id = $1 AND id = ANY($2::uuid[]) AND status = 'NOTIFIED'`,
    [clinicId, rows.map((r) => r.entry_id), at],
  );
  await q.query(
    `UPDATE deliveries SET status = 'FAILED', failure_reason = 'offer withdrawn', updated_at = $3
     WHERE clinic_id = $1 AND offer_id = ANY($2::uuid[]) AND status = 'QUEUED'`,
    [clinicId, rows.map((r) => r.id), at],
  );
  return rows.map((r) => r.id);
}
