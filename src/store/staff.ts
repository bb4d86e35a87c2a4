// Staff users (dashboard logins) and their sessions.
import type { StaffRole } from "../core/permissions.ts";
import type { Queryable } from "./db.ts";

export interface StaffUser {
  id: string;
  clinicId: string;
  email: string;
  name: string;
  role: StaffRole;
  createdAt: Date;
  disabledAt: Date | null;
}

export interface StaffSession {
  id: string;
  clinicId: string;
  staffUserId: string;
  csrfSecret: string;
  createdAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
}

/** A `staff_users` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface StaffUserRow {
  id: StaffUser["id"];
  clinic_id: StaffUser["clinicId"];
  email: StaffUser["email"];
  name: StaffUser["name"];
  role: StaffUser["role"];
  created_at: StaffUser["createdAt"];
  disabled_at: StaffUser["disabledAt"];
  /** Read only where a password is checked; never part of StaffUser. */
  password_hash: string;
}

function parseUser(r: StaffUserRow): StaffUser {
  return { id: r.id, clinicId: r.clinic_id, email: r.email, name: r.name, role: r.role, createdAt: r.created_at, disabledAt: r.disabled_at };
}

/** A `staff_sessions` row as pg returns it (db.ts: timestamptz → Date, date → string, bigint → number); its CHECK constraints stand behind the unions. */
interface StaffSessionRow {
  id: StaffSession["id"];
  clinic_id: StaffSession["clinicId"];
  staff_user_id: StaffSession["staffUserId"];
  csrf_secret: StaffSession["csrfSecret"];
  created_at: StaffSession["createdAt"];
  expires_at: StaffSession["expiresAt"];
  revoked_at: StaffSession["revokedAt"];
}

function parseSession(r: StaffSessionRow): StaffSession {
  return {
    id: r.id,
    clinicId: r.clinic_id,
    staffUserId: r.staff_user_id,
    csrfSecret: r.csrf_secret,
    createdAt: r.created_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
  };
}

/** Inserts a staff user; null when the clinic already has one with that email (23505 under a savepoint). */
export async function insertStaffUser(
  q: Queryable,
  u: { clinicId: string; email: string; name: string; passwordHash: string; role: StaffRole; at: Date },
): Promise<StaffUser | null> {
  const { rows } = await q.query<StaffUserRow>(
    `INSERT INTO staff_users (clinic_id, email, name, password_hash, role, created_at)
     VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (clinic_id, email) DO NOTHING RETURNING *`,
    [u.clinicId, u.email, u.name, u.passwordHash, u.role, u.at],
  );
  return rows[0] ? parseUser(rows[0]) : null;
}

/** Active users with this (lowercased) email, in any clinic, with their password hashes. */
export async function activeUsersByEmail(q: Queryable, email: string): Promise<(StaffUser & { passwordHash: string })[]> {
  const { rows } = await q.query<StaffUserRow>("SELECT * FROM staff_users WHERE email = $1 AND disabled_at IS NULL ORDER BY created_at, id LIMIT 10", [email]);
  return rows.map((r) => ({ ...parseUser(r), passwordHash: r.password_hash }));
}

export async function listStaffUsers(q: Queryable, clinicId: string): Promise<StaffUser[]> {
  const { rows } = await q.query<StaffUserRow>("SELECT * FROM staff_users WHERE clinic_id = $1 ORDER BY created_at, id", [clinicId]);
  return rows.map(parseUser);
}

export async function insertSession(
  q: Queryable,
  s: { clinicId: string; staffUserId: string; tokenHash: string; csrfSecret: string; at: Date; expiresAt: Date },
): Promise<StaffSession> {
  const { rows } = await q.query<StaffSessionRow>(
    `INSERT INTO staff_sessions (clinic_id, staff_user_id, token_hash, csrf_secret, created_at, expires_at)
     VALUES ($1, $2, $3, $4, $5, $6) RETURNING *`,
    [s.clinicId, s.staffUserId, s.tokenHash, s.csrfSecret, s.at, s.expiresAt],
  );
  return parseSession(rows[0]!);
}

/** A live session (not revoked, not expired at `now`) with its user, who must not be disabled. */
export async function liveSessionByHash(q: Queryable, tokenHash: string, now: Date): Promise<{ session: StaffSession; user: StaffUser } | null> {
  const { rows } = await q.query(
    `SELECT s.*, u.email, u.name, u.role, u.created_at AS user_created_at, u.disabled_at
     FROM staff_sessions s JOIN staff_users u ON u.clinic_id = s.clinic_id AND u.id = s.staff_user_id
     WHERE s.token_hash = $1 AND s.revoked_at IS NULL AND s.expires_at > $2 AND u.disabled_at IS NULL`,
    [tokenHash, now],
  );
  const r = rows[0];
  if (!r) return null;
  const user = parseUser({ ...r, id: r.staff_user_id, created_at: r.user_created_at });
  return { session: parseSession(r), user };
}

/** Slides the session's end forward (never back). */
export async function extendSession(q: Queryable, id: string, expiresAt: Date): Promise<void> {
  await q.query("UPDATE staff_sessions SET expires_at = $2 WHERE id = $1 AND revoked_at IS NULL AND expires_at < $2", [id, expiresAt]);
}

export async function revokeSession(q: Queryable, id: string, at: Date): Promise<boolean> {
  const { rowCount } = await q.query("UPDATE staff_sessions SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL", [id, at]);
  return (rowCount ?? 0) > 0;
}
