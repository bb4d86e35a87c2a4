// The conversion figures, straight from the rows (offers, deliveries, openings, appointments).
import type { Queryable } from "./db.ts";

export interface ConversionRows {
  offers: number;
  accepted: number;
  medianResponseMinutes: number | null;
  byChannel: { channel: string; sent: number; delivered: number; accepted: number; offers: number }[];
  openings: number;
  filled: number;
  medianTimeToFillMinutes: number | null;
  revenueRecoveredCents: number;
}

export async function conversionRows(q: Queryable, clinicId: string, from: Date, to: Date): Promise<ConversionRows> {
  const p = [clinicId, from, to];
  const offers = await q.query(
    `SELECT count(*)::int AS offers, count(*) FILTER (WHERE status = 'ACCEPTED')::int AS accepted,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM responded_at - sent_at) / 60)
         FILTER (WHERE responded_at IS NOT NULL AND sent_at IS NOT NULL) AS median_response
     FROM offers WHERE clinic_id = $1 AND created_at >= $2 AND created_at < $3`,
    p,
  );
  const channels = await q.query(
    `SELECT o.channel, count(*)::int AS offers, count(*) FILTER (WHERE o.status = 'ACCEPTED')::int AS accepted,
       (SELECT count(*)::int FROM deliveries d WHERE d.clinic_id = $1 AND d.kind = 'OFFER' AND d.channel = o.channel
          AND d.sent_at IS NOT NULL AND d.created_at >= $2 AND d.created_at < $3) AS sent,
       (SELECT count(*)::int FROM deliveries d WHERE d.clinic_id = $1 AND d.kind = 'OFFER' AND d.channel = o.channel
          AND d.status = 'DELIVERED' AND d.created_at >= $2 AND d.created_at < $3) AS delivered
     FROM offers o WHERE o.clinic_id = $1 AND o.created_at >= $2 AND o.created_at < $3 AND o.channel IS NOT NULL
     GROUP BY o.channel ORDER BY o.channel`,
    p,
  );
  const openings = await q.query(
    `SELECT count(*)::int AS openings, count(*) FILTER (WHERE status = 'FILLED')::int AS filled,
       percentile_cont(0.5) WITHIN GROUP (ORDER BY extract(epoch FROM filled_at - created_at) / 60)
         FILTER (WHERE filled_at IS NOT NULL) AS median_fill
     FROM openings WHERE clinic_id = $1 AND created_at >= $2 AND created_at < $3`,
    p,
  );
  // Revenue recovered: the price of services booked from the waitlist in the period and not cancelled.
  const revenue = await q.query(
    `SELECT coalesce(sum(s.price_cents), 0)::bigint AS cents
     FROM appointments a JOIN services s ON s.clinic_id = a.clinic_id AND s.id = a.service_id
     WHERE a.clinic_id = $1 AND a.source = 'WAITLIST' AND a.status <> 'CANCELLED' AND a.booked_at >= $2 AND a.booked_at < $3`,
    p,
  );
  const o = offers.rows[0];
  const op = openings.rows[0];
  return {
    offers: o.offers,
    accepted: o.accepted,
    medianResponseMinutes: o.median_response === null ? null : Number(o.median_response),
    byChannel: channels.rows.map((r) => ({ channel: r.channel, sent: r.sent, delivered: r.delivered, accepted: r.accepted, offers: r.offers })),
    openings: op.openings,
    filled: op.filled,
    medianTimeToFillMinutes: op.median_fill === null ? null : Number(op.median_fill),
    revenueRecoveredCents: Number(revenue.rows[0].cents),
  };
}
