// Browsers that opted in to web push on an offer page, per patient. A subscription's row is the
// patient's current push consent; consent_events keeps its history (given on the page, with the
// words shown; revoked when the push service says the subscription is gone).
import type { Queryable } from "./db.ts";

export interface PushSubscriptionRow {
  id: string;
  endpoint: string;
  /** The browser's P-256 public key, base64url (65 bytes uncompressed). */
  p256dh: string;
  /** The 16-byte auth secret, base64url. */
  auth: string;
}

export async function subscriptionsOf(q: Queryable, clinicId: string, patientId: string): Promise<PushSubscriptionRow[]> {
  const { rows } = await q.query<PushSubscriptionRow>(
    "SELECT id, endpoint, p256dh, auth FROM push_subscriptions WHERE clinic_id = $1 AND patient_id = $2 ORDER BY created_at, id",
    [clinicId, patientId],
  );
  return rows.map((r) => ({ id: r.id, endpoint: r.endpoint, p256dh: r.p256dh, auth: r.auth }));
}

export async function hasPushSubscription(q: Queryable, clinicId: string, patientId: string): Promise<boolean> {
  const { rowCount } = await q.query("SELECT 1 FROM push_subscriptions WHERE clinic_id = $1 AND patient_id = $2 LIMIT 1", [clinicId, patientId]);
  return (rowCount ?? 0) > 0;
}

/** Keeps the browser's subscription and records the opt-in as consent (source, words shown, time). */
export async function saveSubscription(
  q: Queryable,
  s: { clinicId: string; patientId: string; endpoint: string; p256dh: string; auth: string; source: string; wording: string; at: Date },
): Promise<void> {
  await q.query(
    `INSERT INTO push_subscriptions (clinic_id, patient_id, endpoint, p256dh, auth, created_at) VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (clinic_id, patient_id, endpoint) DO UPDATE SET p256dh = EXCLUDED.p256dh, auth = EXCLUDED.auth`,
    [s.clinicId, s.patientId, s.endpoint, s.p256dh, s.auth, s.at],
  );
  await q.query("INSERT INTO consent_events (clinic_id, patient_id, channel, granted, source, wording, at) VALUES ($1, $2, 'PUSH', true, $3, $4, $5)", [
    s.clinicId,
    s.patientId,
    s.source,
    s.wording,
    s.at,
  ]);
}

/**
 * The push service said the subscription is gone (404/410: the patient unsubscribed or the browser
 * dropped it): the row goes and its consent is recorded as revoked, in one statement.
 */
export async function removeSubscription(q: Queryable, id: string, reason: string, at: Date): Promise<void> {
  await q.query(
    `WITH gone AS (DELETE FROM push_subscriptions WHERE id = $1 RETURNING clinic_id, patient_id)
     INSERT INTO consent_events (clinic_id, patient_id, channel, granted, source, at)
     SELECT clinic_id, patient_id, 'PUSH', false, $2, $3 FROM gone`,
    [id, reason, at],
  );
}

export async function getInstanceSetting(q: Queryable, name: string): Promise<string | null> {
  const { rows } = await q.query<{ value: string }>("SELECT value FROM instance_settings WHERE name = $1", [name]);
  return rows[0]?.value ?? null;
}

/** Keeps the first value ever stored (several instances starting at once agree on one). */
export async function putInstanceSettingOnce(q: Queryable, name: string, value: string, at: Date): Promise<string> {
  await q.query("INSERT INTO instance_settings (name, value, created_at) VALUES ($1, $2, $3) ON CONFLICT (name) DO NOTHING", [name, value, at]);
  const stored = await getInstanceSetting(q, name);
  if (stored === null) throw new Error(`instance setting ${name} vanished after it was stored`);
  return stored;
}
