// Browsers that opted in to web push on an offer page, per patient.
import type { PushSubscriptionRow } from "../channels/push.ts";
import type { Queryable } from "./db.ts";

export async function subscriptionsOf(q: Queryable, clinicId: string, patientId: string): Promise<PushSubscriptionRow[]> {
  const { rows } = await q.query("SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE clinic_id = $1 AND patient_id = $2 ORDER BY created_at, id", [
    clinicId,
    patientId,
  ]);
  return rows.map((r) => ({ id: r.id, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth }));
}

export async function hasPushSubscription(q: Queryable, clinicId: string, patientId: string): Promise<boolean> {
  const { rowCount } = await q.query("SELECT 1 FROM push_subscriptions WHERE clinic_id = $1 AND patient_id = $2 LIMIT 1", [clinicId, patientId]);
  return (rowCount ?? 0) > 0;
}

export async function saveSubscription(
  q: Queryable,
  s: { clinicId: string; patientId: string; endpoint: string; p256dh: string; auth: string; at: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO push_subscriptions (clinic_id, patient_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (clinic_id, patient_id, endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth`,
    [s.clinicId, s.patientId, s.endpoint, s.p256dh, s.auth, s.at],
  );
}

/** The push service said the subscription is gone (404/410). */
export async function removeSubscription(q: Queryable, id: string): Promise<void> {
  await q.query("DELETE FROM push_subscriptions WHERE id = $1", [id]);
}

export async function getInstanceSetting(q: Queryable, name: string): Promise<string | null> {
  const { rows } = await q.query("SELECT value FROM instance_settings WHERE name = $1", [name]);
  return rows[0]?.value ?? null;
}

/** Keeps the first value ever stored (several instances starting at once agree on one). */
export async function putInstanceSettingOnce(q: Queryable, name: string, value: string, at: Date): Promise<string> {
  await q.query("INSERT INTO instance_settings (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", [name, value, at]);
  return (await getInstanceSetting(q, name))!;
}
