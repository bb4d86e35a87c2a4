// The dev outbox: the channel for every channel that is not configured. It records the message
// (with its links) so that staff, tests and the demo can read what a patient would have received.
import type { Queryable } from "../store/db.ts";
import { findOutboxByDelivery, insertOutbox } from "../store/outbox.ts";
import type { ChannelAdapter, Channels } from "./channel.ts";

export function outboxChannel(db: Queryable): ChannelAdapter {
  return {
    async send(m, now) {
      const row = await insertOutbox(db, {
        clinicId: m.clinicId,
        deliveryId: m.deliveryId,
        channel: m.channel,
        to: m.to,
        subject: m.subject,
        body: m.body,
        links: m.links,
        sentAt: now,
      });
      return { ok: true, providerMessageId: `outbox:${row.id}` };
    },
    async lookup(delivery) {
      const row = await findOutboxByDelivery(db, delivery.id);
      return row ? { sent: true, providerMessageId: `outbox:${row.id}` } : { sent: false };
    },
  };
}

/** Every channel to the outbox: the default until a channel's settings are all present. */
export function outboxChannels(db: Queryable): Channels {
  const outbox = outboxChannel(db);
  return { SMS: outbox, EMAIL: outbox, VOICE: outbox, PUSH: outbox, MANUAL: outbox };
}
