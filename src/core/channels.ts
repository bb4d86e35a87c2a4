// Which channels may carry an offer to a patient, in the order to try them (the fallback plan).
import type { Channel, Patient } from "./types.ts";

export interface Reach {
  phone: string | null;
  email: string | null;
  consent: Patient["consent"];
  preferredChannel: Channel | null;
  /** The patient opted in to web push on an offer page. */
  pushSubscribed: boolean;
}

/** Whether this channel may be used for this patient at all: contact data and consent. */
export function canUse(channel: Channel, p: Reach): boolean {
  switch (channel) {
    case "SMS":
      return p.phone !== null && p.consent.SMS.granted;
    case "VOICE":
      return p.phone !== null && p.consent.VOICE.granted;
    case "EMAIL":
      return p.email !== null && p.consent.EMAIL.granted;
    case "PUSH":
      return p.pushSubscribed;
    case "MANUAL":
      return false; // staff calling by hand is the outreach task, never an automated attempt
    default: {
      const never: never = channel;
      throw new Error(`unknown channel ${String(never)}`);
    }
  }
}

/**
 * The clinic's channel order filtered by what this patient can receive, with their preferred
 * channel moved first when it is usable. Empty means no automated channel reaches them.
 *
 * Web push is the patient's own opt-in on one of their devices (API.md's default order does not list
 * it): a subscribed patient is tried by push first — free and instant — unless the clinic's order
 * places PUSH itself, whose place is then kept. Push is no proof the patient saw it, so after a push
 * is handed over the next channel follows after fallbackDelayMinutes unless they answered
 * (flows/follow-up-push.ts).
 */
export function channelPlan(order: readonly Channel[], p: Reach, requested?: Channel): Channel[] {
  const implicitPush = !order.includes("PUSH");
  const usable = (implicitPush ? ["PUSH" as const, ...order] : order).filter((c) => canUse(c, p));
  // Staff may ask for any channel the patient can receive. A patient's preference reorders the
  // clinic's channels (one the clinic switched off stays off); web push is always the patient's own choice.
  if (requested) return canUse(requested, p) ? [requested, ...usable.filter((c) => c !== requested)] : [];
  const preferred = p.preferredChannel;
  if (!preferred || !usable.includes(preferred)) return usable;
  const rest = usable.filter((c) => c !== preferred);
  // An implicit push stays ahead of a stated preference: it costs nothing, and the preferred channel follows it.
  if (implicitPush && rest[0] === "PUSH") return ["PUSH", preferred, ...rest.slice(1)];
  return [preferred, ...rest];
}
