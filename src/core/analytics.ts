// Analytics folds: the conversion figures by channel and the fairness of who gets offers, from
// counts the store has already summed. Pure: the period and the rows come in as arguments.
import type { Channel, DeliveryKind, DeliveryStatus } from "./types.ts";

/** n ÷ d to 4 places; 0 when nothing was counted (a rate of an empty period is shown as 0 %). */
export const ratio = (n: number, d: number) => (d === 0 ? 0 : Math.round((n / d) * 10_000) / 10_000);
/** Minutes to one decimal, as the API shows them. */
export const minutes = (m: number | null) => (m === null ? null : Math.round(m * 10) / 10);

/** One channel's own figures over the period's offers (store/analytics.ts sums them). */
export interface ChannelCounts {
  channel: Channel;
  /** Deliveries on this channel handed to the provider. */
  sent: number;
  /** Deliveries on this channel the provider confirmed as delivered. */
  delivered: number;
  /** Offers this channel reached: at least one of their deliveries on it was sent and did not fail. */
  offersReached: number;
  /** Offers accepted through this channel (its reply, its keypress, or the link its message carried). */
  accepted: number;
}

export interface ChannelFigures extends ChannelCounts {
  /** accepted ÷ offersReached: of the offers this channel got to the patient, how many it booked. */
  conversionRate: number;
}

/**
 * byChannel of the analytics: every channel that sent or was credited with an accept, by name.
 * Conversion divides by the offers the channel reached, not by its deliveries (a resent text is one
 * offer) nor by every offer (an email that was never tried must not lower the email rate).
 */
export function byChannel(rows: ChannelCounts[]): ChannelFigures[] {
  const merged = new Map<Channel, ChannelCounts>();
  for (const r of rows) {
    const m = merged.get(r.channel) ?? { channel: r.channel, sent: 0, delivered: 0, offersReached: 0, accepted: 0 };
    merged.set(r.channel, {
      channel: r.channel,
      sent: m.sent + r.sent,
      delivered: m.delivered + r.delivered,
      offersReached: m.offersReached + r.offersReached,
      accepted: m.accepted + r.accepted,
    });
  }
  return [...merged.values()]
    .filter((c) => c.sent + c.delivered + c.offersReached + c.accepted > 0)
    .sort((a, b) => a.channel.localeCompare(b.channel))
    .map((c) => ({ ...c, conversionRate: ratio(c.accepted, c.offersReached) }));
}

/** A delivery as far as "did it reach the patient" goes. */
export interface DeliveryTrace {
  kind: DeliveryKind;
  channel: Channel;
  status: DeliveryStatus;
  sentAt: Date | null;
}

/**
 * The channel that reached the patient about an offer: the last offer message that was sent and did
 * not fail (sent by `before`, when given — e.g. the accept's time). Null when none got through.
 */
export function reachedBy(deliveries: DeliveryTrace[], before?: Date | null): Channel | null {
  let best: DeliveryTrace | null = null;
  for (const d of deliveries) {
    if (d.kind !== "OFFER" || !d.sentAt || (d.status !== "SENT" && d.status !== "DELIVERED")) continue;
    if (before && d.sentAt.getTime() > before.getTime()) continue;
    if (!best || d.sentAt.getTime() >= best.sentAt!.getTime()) best = d;
  }
  return best?.channel ?? null;
}

export interface Spread {
  min: number;
  median: number;
  p90: number;
  max: number;
}

/**
 * The spread of offers per patient: min, median, 90th percentile (nearest rank: a count some patient
 * really had) and max. Null for no patients. A wide gap between median and max means a few patients
 * get most of the offers.
 */
export function spread(counts: number[]): Spread | null {
  if (counts.length === 0) return null;
  const s = [...counts].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, p90: s[Math.ceil(0.9 * s.length) - 1]!, max: s[s.length - 1]! };
}

export interface Fairness {
  /** Patients waitlisted at some time in the period (a patient with two entries counts once). */
  patients: number;
  /** Offers sent per waitlisted patient over the period (patients never offered count as 0). */
  offersPerPatient: Spread | null;
  /** The longest a waiting patient had gone without an offer when a fitting time went to someone else. */
  longestPassedOverMinutes: number | null;
  /** The waitlist entry that waited that long (an id, for the dashboard's link). */
  longestPassedOverEntryId: string | null;
}

export function fairness(offerCounts: number[], longest: { entryId: string; minutes: number } | null): Fairness {
  return {
    patients: offerCounts.length,
    offersPerPatient: spread(offerCounts),
    longestPassedOverMinutes: longest ? minutes(longest.minutes) : null,
    longestPassedOverEntryId: longest?.entryId ?? null,
  };
}
