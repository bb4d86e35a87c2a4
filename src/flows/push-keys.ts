// Web push needs a VAPID key pair: from the environment, or made at first start and kept in the
// database so that every instance and every restart signs with the same one.
import { generateVapidKeys } from "../channels/push.ts";
import type { Config, PushConfig } from "../config.ts";
import type { Queryable } from "../store/db.ts";
import { getInstanceSetting, putInstanceSettingOnce } from "../store/push-subscriptions.ts";

export async function ensurePushKeys(q: Queryable, config: Config, now: Date): Promise<PushConfig> {
  if (config.channels.push) return config.channels.push;
  const stored = await getInstanceSetting(q, "vapid_keys");
  const keys = stored ?? (await putInstanceSettingOnce(q, "vapid_keys", JSON.stringify(generateVapidKeys()), now));
  const { publicKey, privateKey } = JSON.parse(keys) as { publicKey: string; privateKey: string };
  return { publicKey, privateKey, subject: `mailto:admin@${new URL(config.publicUrl).hostname}` };
}
