// Staff logins: users with a password (scrypt), sessions behind a random cookie token (stored hashed),
// 12 h sliding; logging out revokes. API keys stay for machines.
import { createHmac, randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from "node:crypto";
import { ROLE_PERMISSIONS, type Permission, type StaffRole } from "../core/permissions.ts";
import { fail, invalid, ok, type FieldError, type Result } from "../core/result.ts";
import { inTransaction, type Tx } from "../store/db.ts";
import {
  activeUsersByEmail,
  extendSession,
  insertSession,
  insertStaffUser,
  liveSessionByHash,
  revokeSession,
  type StaffSession,
  type StaffUser,
} from "../store/staff.ts";
import { audit, type Caller, type Deps } from "./deps.ts";
import { hashSecret } from "./secrets.ts";

// OWASP's scrypt floor (2023): N = 2^15, r = 8, p = 1 — 32 MiB and ~50 ms a guess on a laptop core.
const N = 2 ** 15;
const R = 8;
const P = 1;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
/** Sessions last 12 h after their last use (a clinic day), then need a new login. */
export const SESSION_HOURS = 12;
// A session is moved forward at most once a minute of use, not on every request.
const SLIDE_AFTER_MS = 60_000;

function scrypt(password: string, salt: Buffer, n: number, r: number, p: number, length: number): Promise<Buffer> {
  // maxmem above 128·N·r (Node's default 32 MiB is exactly the need at N = 2^15, r = 8, and refuses it).
  const options: ScryptOptions = { N: n, r, p, maxmem: 256 * n * r + 1024 * 1024 };
  return new Promise((resolve, reject) => scryptCb(password.normalize("NFC"), salt, length, options, (e, key) => (e ? reject(e) : resolve(key))));
}

/** `scrypt$N$r$p$salt$hash`, salt and hash in base64url. */
export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const key = await scrypt(password, salt, N, R, P, KEY_LENGTH);
  return `scrypt$${N}$${R}$${P}$${salt.toString("base64url")}$${key.toString("base64url")}`;
}

export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split("$");
  if (parts.length !== 6 || parts[0] !== "scrypt") return false;
  const [n, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  // Only parameters we could have written: a tampered row must not make us allocate gigabytes.
  if (!(n >= 2 ** 14 && n <= 2 ** 20 && (n & (n - 1)) === 0 && r >= 1 && r <= 16 && p >= 1 && p <= 4)) return false;
  const expected = Buffer.from(parts[5]!, "base64url");
  if (expected.length < 16) return false;
  const actual = await scrypt(password, Buffer.from(parts[4]!, "base64url"), n, r, p, expected.length);
  return timingSafeEqual(actual, expected);
}

// Checked against when no user has the email, so a wrong email costs what a wrong password does.
let decoy: Promise<string> | null = null;

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

export function normalEmail(email: string): string {
  return email.trim().toLowerCase();
}

export interface NewStaffUser {
  email: string;
  name: string;
  password: string;
  role: StaffRole;
}

/** The bad fields of a new login (`minPassword`: first-run setup asks for 12). */
export function staffUserErrors(input: NewStaffUser, minPassword = 8): FieldError[] {
  const email = normalEmail(input.email);
  const name = input.name.trim();
  const errors: FieldError[] = [];
  if (!EMAIL.test(email) || email.length > 320) errors.push({ path: "/email", message: "must be an email address" });
  if (name.length === 0 || name.length > 200) errors.push({ path: "/name", message: "must be 1 to 200 characters" });
  // NIST SP 800-63B: at least 8 characters; long passphrases welcome (scrypt hashes any length alike).
  if (input.password.length < minPassword || input.password.length > 1024) {
    errors.push({ path: "/password", message: `must be ${minPassword} to 1024 characters` });
  }
  return errors;
}

export async function createStaffUser(deps: Deps, caller: Caller, input: NewStaffUser): Promise<Result<StaffUser>> {
  const errors = staffUserErrors(input);
  if (errors.length > 0) return invalid(errors);
  const passwordHash = await hashPassword(input.password);
  const at = deps.clock.now();
  return inTransaction(deps.db, (tx) => createStaffUserIn(tx, caller, input, passwordHash, at));
}

/** Inserts a checked login (see staffUserErrors) with its hash, inside the caller's transaction. */
export async function createStaffUserIn(tx: Tx, caller: Caller, input: NewStaffUser, passwordHash: string, at: Date): Promise<Result<StaffUser>> {
  const user = await insertStaffUser(tx, {
    clinicId: caller.clinicId,
    email: normalEmail(input.email),
    name: input.name.trim(),
    passwordHash,
    role: input.role,
    at,
  });
  if (!user) return fail("conflict", "this clinic already has a staff user with that email", { errors: [{ path: "/email", message: "is taken" }] });
  await audit(tx, caller, at, { action: "staff_user.created", entity: "staff_user", entityId: user.id, after: { id: user.id, role: user.role } });
  return ok(user);
}

/** Who is signed in: the clinic, the audit name, and what the role may do. */
export interface StaffCaller extends Caller {
  user: StaffUser;
  session: StaffSession;
  permissions: readonly Permission[];
}

export function staffCaller(user: StaffUser, session: StaffSession): StaffCaller {
  return { clinicId: user.clinicId, actor: `staff_user:${user.id}`, user, session, permissions: ROLE_PERMISSIONS[user.role] };
}

/**
 * Email and password → a new session and its cookie token (shown once). A wrong email and a wrong
 * password give the same answer, after the same work.
 */
export async function login(deps: Deps, input: { email: string; password: string }): Promise<Result<{ token: string; caller: StaffCaller }>> {
  const email = normalEmail(input.email);
  const password = input.password.slice(0, 1024);
  const users = email.length <= 320 ? await activeUsersByEmail(deps.db, email) : [];
  let found: StaffUser | null = null;
  for (const u of users) {
    if (await verifyPassword(password, u.passwordHash)) {
      found = u;
      break;
    }
  }
  if (users.length === 0) {
    decoy ??= hashPassword(randomBytes(16).toString("hex"));
    await verifyPassword(password, await decoy);
  }
  if (!found) return fail("unauthorized", "email or password is incorrect");
  const user = found;
  const now = deps.clock.now();
  return ok(await inTransaction(deps.db, (tx) => startSessionIn(tx, user, now)));
}

/** A new session for `user` and its cookie token (shown once), inside the caller's transaction. */
export async function startSessionIn(tx: Tx, user: StaffUser, now: Date): Promise<{ token: string; caller: StaffCaller }> {
  const token = randomBytes(32).toString("base64url");
  const session = await insertSession(tx, {
    clinicId: user.clinicId,
    staffUserId: user.id,
    tokenHash: hashSecret(token),
    csrfSecret: randomBytes(32).toString("base64url"),
    at: now,
    expiresAt: new Date(now.getTime() + SESSION_HOURS * 3_600_000),
  });
  const who = { clinicId: user.clinicId, actor: `staff_user:${user.id}` };
  await audit(tx, who, now, { action: "staff_session.created", entity: "staff_session", entityId: session.id });
  return { token, caller: staffCaller(user, session) };
}

/** The caller behind a session cookie, or null; a session in use is extended to 12 h from now. */
export async function authenticateSession(deps: Deps, token: string): Promise<StaffCaller | null> {
  if (token.length === 0 || token.length > 200) return null;
  const now = deps.clock.now();
  const found = await liveSessionByHash(deps.db, hashSecret(token), now);
  if (!found) return null;
  const expiresAt = new Date(now.getTime() + SESSION_HOURS * 3_600_000);
  if (expiresAt.getTime() - found.session.expiresAt.getTime() >= SLIDE_AFTER_MS) {
    await extendSession(deps.db, found.session.id, expiresAt);
    found.session.expiresAt = expiresAt;
  }
  return staffCaller(found.user, found.session);
}

export async function logout(deps: Deps, caller: StaffCaller): Promise<void> {
  const now = deps.clock.now();
  await inTransaction(deps.db, async (tx) => {
    if (await revokeSession(tx, caller.session.id, now)) {
      await audit(tx, caller, now, { action: "staff_session.revoked", entity: "staff_session", entityId: caller.session.id });
    }
  });
}

/** The session's CSRF token (synchronizer pattern): derived from its secret, so the secret never reaches a page. */
export function csrfToken(session: StaffSession): string {
  return createHmac("sha256", session.csrfSecret).update(`csrf:${session.id}`).digest("base64url");
}

export function csrfTokenMatches(session: StaffSession, presented: unknown): boolean {
  if (typeof presented !== "string" || presented.length === 0 || presented.length > 100) return false;
  const expected = Buffer.from(csrfToken(session));
  const given = Buffer.from(presented);
  return given.length === expected.length && timingSafeEqual(given, expected);
}
