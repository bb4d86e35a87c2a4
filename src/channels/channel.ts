// One small interface for every channel: send a message, get the provider's id or a classified error.
import type { Channel, Delivery } from "../core/types.ts";

export interface OutgoingMessage {
  clinicId: string;
  deliveryId: string;
  channel: Channel;
  to: string;
  subject: string | null;
  body: string;
  links: string[];
  /** What the email's button over links[0] says (default "Open your offer"). */
  linkLabel?: string;
  /** The message is worthless after this (the hold's end): providers may drop it instead. */
  validUntil: Date | null;
  /** The slot, for an email's .ics attachment and add-to-calendar link. */
  calendar?: { start: Date; end: Date; title: string; location: string | null; zone: string };
}

export type SendResult =
  | { ok: true; providerMessageId: string }
  /** permanent: do not retry this channel (invalid number, unsubscribed, hard bounce); else retry later. */
  | { ok: false; permanent: boolean; reason: string };

/** What the provider knows of a message we may have sent (after a crash between send and record). */
export type LookupResult = { sent: true; providerMessageId: string } | { sent: false } | { sent: "unknown" };

export interface ChannelAdapter {
  send(message: OutgoingMessage, now: Date): Promise<SendResult>;
  /**
   * Did a send for this delivery reach the provider? Never guess: "unknown" when it cannot tell. The
   * row carries what was recorded before the call: to_address, token_hash (the link's), body_hash (the text's), updated_at.
   */
  lookup(delivery: Delivery): Promise<LookupResult>;
}

export type Channels = Record<Channel, ChannelAdapter>;
