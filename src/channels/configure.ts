// Which adapter carries each channel: a real provider when all of its settings are present, else
// the dev outbox (API.md, "Development and test mode").
import type { Config, PushConfig } from "../config.ts";
import type { Pool } from "../store/db.ts";
import { removeSubscription, subscriptionsOf } from "../store/push-subscriptions.ts";
import type { Channels } from "./channel.ts";
import { smtpEmail } from "./email.ts";
import { outboxChannel } from "./outbox.ts";
import { type WebPushOptions, webPush } from "./push.ts";
import { twilioSms } from "./twilio-sms.ts";
import { twilioVoice } from "./twilio-voice.ts";

export interface ConfiguredChannels {
  channels: Channels;
  /** "twilio" / "smtp" / "web-push" / "outbox" per channel, for the start-up line and the dashboard. */
  live: Record<keyof Channels, string>;
  close(): Promise<void>;
}

/**
 * `push`: VAPID keys from the environment or generated at first start (null: push goes to the outbox).
 * `pushOptions`: how to reach push services (tests pass an agent trusting their local one).
 */
export function configureChannels(config: Config, db: Pool, push: PushConfig | null, pushOptions: WebPushOptions = {}): ConfiguredChannels {
  const outbox = outboxChannel(db);
  const { twilio, smtp } = config.channels;
  const email = smtp ? smtpEmail(smtp) : null;
  const channels: Channels = {
    SMS: twilio ? twilioSms(twilio, config.publicUrl) : outbox,
    VOICE: twilio?.from ? twilioVoice(twilio, config.publicUrl) : outbox,
    EMAIL: email ?? outbox,
    PUSH: push
      ? webPush(
          push,
          {
            forPatient: (clinicId, patientId) => subscriptionsOf(db, clinicId, patientId),
            remove: (id, reason, now) => removeSubscription(db, id, reason, now),
          },
          pushOptions,
        )
      : outbox,
    MANUAL: outbox,
  };
  return {
    channels,
    live: {
      SMS: twilio ? "twilio" : "outbox",
      VOICE: twilio?.from ? "twilio" : "outbox",
      EMAIL: email ? "smtp" : "outbox",
      PUSH: push ? "web-push" : "outbox",
      MANUAL: "outbox",
    },
    close: async () => {
      await email?.close();
    },
  };
}
