// The conversion figures, straight from the rows (offers, deliveries, openings, appointments).
// Offer figures count the offers made in [from, to) and everything their deliveries did; openings by
// when they appeared; revenue by when it was booked.
import type { ChannelCounts } from "../core/analytics.ts";
import type { Channel } from "../core/types.ts";
import type { Queryable } from "./db.ts";

export interface ConversionRows {
  offers: number;
  accepted: number;
  medianResponseMinutes: number | null;
  byChannel: ChannelCounts[];
  openings: number;
  filled: number;
  medianTimeToFillMinutes: number | null;
  revenueRecoveredCents: number;
}

interface OfferTotalsRow {
  offers: number;
  accepted: number;
  median_response: number | string | null;
}
interface ChannelRow {
  channel: Channel;
  sent: number;
  delivered: number;
  offers_reached: number;
  accepted: number;
}
interface OpeningTotalsRow {
  openings: number;
  filled: number;
  median_fill: number | string | null;
}

const OFFERS_IN_PERIOD = "SELECT id FROM offers WHERE clinic_id = $1 AND created_at >= $2 AND created_at < $3";

// Each channel's own deliveries of the period's offers; an offer counts as reached by a channel when
// one of its deliveries there was sent and has not failed since.
const CHANNEL_DELIVERIES = `
SELECT d.channel, count(*) FILTER (WHERE d.sent_at IS NOT NULL)::int AS sent,
  count(*) FILTER (WHERE d.status = 'DELIVERED')::int AS delivered,
  count(DISTINCT d.offer_id) FILTER (WHERE d.sent_at IS NOT NULL AND d.status IN ('SENT', 'DELIVERED'))::int AS offers_reached,
  0 AS accepted
FROM deliveries d
WHERE d.clinic_id = $1 AND d.kind = 'OFFER' AND d.offer_id IN (${OFFERS_IN_PERIOD})
GROUP BY d.channel`;

// An acceptance counts for the channel it came through (offers.accepted_via); when staff recorded it,
// for the last offer message that reached the patient before the answer; else the planned channel.
const CHANNEL_ACCEPTS = `
SELECT coalesce(o.accepted_via,
         (SELECT d.channel FROM deliveries d
          WHERE d.clinic_id = o.clinic_id AND d.offer_id = o.id AND d.kind = 'OFFER' AND d.status IN ('SENT', 'DELIVERED')
            AND d.sent_at IS NOT NULL AND d.sent_at <= coalesce(o.responded_at, o.updated_at)
          ORDER BY d.sent_at DESC, d.id DESC LIMIT 1),
         o.channel) AS channel,
  0 AS sent, 0 AS delivered, 0 AS offers_reached, count(*)::int AS accepted
FROM offers o
WHERE o.clinic_id = $1 AND o.created_at >= $2 AND o.created_at < $3 AND o.status = 'ACCEPTED'
GROUP BY 1`;

export async function conversionRows(q: Queryable, clinicId: string, from: Date, to: Date): Promise<ConversionRows> {
  const p = [clinicId, from, to];
  const offers = await q.query<OfferTotalsRow>(
    `SELECT count(*)::int AS offers, count(*) FILTER (WHERE status = 'ACCEPTED')::int AS accepted,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM responded_at - sent_at) / 60)
         FILTER (WHERE responded_at IS NOT NULL AND sent_at IS NOT NULL) AS median_response
     FROM offers WHERE clinic_id = $1 AND created_at >= $2 AND created_at < $3`,
    p,
  );
  const channels = await q.query<ChannelRow>(`${CHANNEL_DELIVERIES} UNION ALL ${CHANNEL_ACCEPTS}`, p);
  const openings = await q.query<OpeningTotalsRow>(
    `SELECT count(*)::int AS openings, count(*) FILTER (WHERE status = 'FILLED')::int AS filled,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM filled_at - created_at) / 60)
         FILTER (WHERE filled_at IS NOT NULL) AS median_fill
     FROM openings WHERE clinic_id = $1 AND created_at >= $2 AND created_at < $3`,
    p,
  );
  // Revenue recovered: the price of services booked from the waitlist in the period and not cancelled.
  const revenue = await q.query<{ cents: string }>(
    `SELECT coalesce(sum(s.price_cents), 0)::bigint AS cents
     FROM appointments a JOIN services s ON s.clinic_id = a.clinic_id AND s.id = a.service_id
     WHERE a.clinic_id = $1 AND a.source = 'WAITLIST' AND a.status <> 'CANCELLED' AND a.booked_at >= $2 AND a.booked_at < $3`,
    p,
  );
  const o = offers.rows[0]!;
  const op = openings.rows[0]!;
  return {
    offers: o.offers,
    accepted: o.accepted,
    medianResponseMinutes: o.median_response === null ? null : Number(o.median_response),
    byChannel: channels.rows
      .filter((r) => r.channel !== null)
      .map((r) => ({ channel: r.channel, sent: r.sent, delivered: r.delivered, offersReached: r.offers_reached, accepted: r.accepted })),
    openings: op.openings,
    filled: op.filled,
    medianTimeToFillMinutes: op.median_fill === null ? null : Number(op.median_fill),
    revenueRecoveredCents: Number(revenue.rows[0]!.cents),
  };
}

/**
 * The one write analytics need: the channel a patient's yes came through (SMS reply, keypress, the
 * link of a delivery on that channel). In the accept's transaction; the last yes wins.
 */
export async function recordAcceptedVia(q: Queryable, clinicId: string, offerId: string, via: Channel): Promise<void> {
  await q.query("UPDATE offers SET accepted_via = $3 WHERE clinic_id = $1 AND id = $2", [clinicId, offerId, via]);
}

export interface FairnessRows {
  /** Offers sent in the period, one number per patient waitlisted in it (0 for those never offered). */
  offerCounts: number[];
  longest: { entryId: string; minutes: number } | null;
}

// Waitlisted in the period: an entry made before its end that is still waiting, or that closed (booked,
// removed, expired…) within it — its last change is when it closed.
const WAITING_PATIENTS = `
SELECT DISTINCT e.patient_id FROM waitlist_entries e
WHERE e.clinic_id = $1 AND e.created_at < $3 AND (e.status IN ('ACTIVE', 'NOTIFIED') OR e.updated_at >= $2)
UNION
SELECT patient_id FROM offers WHERE clinic_id = $1 AND created_at >= $2 AND created_at < $3`;

// Passed over: an offer of the period went to another patient for a time this entry also wanted (same
// service, a provider it accepts) while the entry was waiting. Candidate lists are not stored, so "fitted"
// is read from the entry's service and providers only. The wait is counted from the entry's last offer
// before that moment (or from when it joined the list) to the moment the other patient was offered.
const LONGEST_PASSED_OVER = `
SELECT e.id AS entry_id,
  extract(epoch FROM o.created_at - greatest(e.created_at,
    coalesce((SELECT max(x.created_at) FROM offers x WHERE x.clinic_id = e.clinic_id AND x.entry_id = e.id AND x.created_at <= o.created_at),
             e.created_at))) / 60 AS minutes
FROM offers o
JOIN waitlist_entries oe ON oe.clinic_id = o.clinic_id AND oe.id = o.entry_id
JOIN openings op ON op.clinic_id = o.clinic_id AND op.id = o.opening_id
JOIN waitlist_entries e ON e.clinic_id = o.clinic_id AND e.service_id = oe.service_id AND e.patient_id <> o.patient_id
  AND e.created_at < o.created_at
  AND (e.status IN ('ACTIVE', 'NOTIFIED') OR e.updated_at > o.created_at)
  AND (cardinality(e.provider_ids) = 0 OR op.provider_id = ANY(e.provider_ids))
WHERE o.clinic_id = $1 AND o.created_at >= $2 AND o.created_at < $3
  AND NOT EXISTS (SELECT 1 FROM offers mine WHERE mine.clinic_id = e.clinic_id AND mine.opening_id = o.opening_id AND mine.entry_id = e.id)
ORDER BY minutes DESC, e.id LIMIT 1`;

export async function fairnessRows(q: Queryable, clinicId: string, from: Date, to: Date): Promise<FairnessRows> {
  const p = [clinicId, from, to];
  const counts = await q.query<{ n: number }>(
    `SELECT (SELECT count(*)::int FROM offers o WHERE o.clinic_id = $1 AND o.patient_id = w.patient_id
               AND o.sent_at IS NOT NULL AND o.created_at >= $2 AND o.created_at < $3) AS n
     FROM (${WAITING_PATIENTS}) w`,
    p,
  );
  const longest = await q.query<{ entry_id: string; minutes: string | number }>(LONGEST_PASSED_OVER, p);
  const l = longest.rows[0];
  return { offerCounts: counts.rows.map((r) => r.n), longest: l ? { entryId: l.entry_id, minutes: Number(l.minutes) } : null };
}
