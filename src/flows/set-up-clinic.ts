// First run: while no clinic exists, the dashboard leads to /setup, where the holder of the admin token
// creates the clinic and its first admin login in one transaction and is signed in (optionally with
// sample data). Once a clinic exists there is nothing to set up.
import { fail, invalid, ok, type FieldError, type Result } from "../core/result.ts";
import { canonicalZone } from "../core/time.ts";
import { inTransaction, type Pool } from "../store/db.ts";
import { anyClinicExists, lockFirstRun, replaceInstanceSecret } from "../store/first-run.ts";
import { ADMIN_TOKEN, isAdminToken } from "./authenticate.ts";
import { createClinicIn } from "./create-clinic.ts";
import type { Caller, Deps } from "./deps.ts";
import { fillWithSampleData, type SampleSummary } from "./fill-sample-data.ts";
import { hashSecret, newSecret } from "./secrets.ts";
import { createStaffUserIn, hashPassword, startSessionIn, staffUserErrors } from "./staff-login.ts";

export const MIN_PASSWORD = 12;

// Once a clinic exists it always will (clinics are never deleted), so a yes is remembered per database
// and GET / costs no query after the first run.
const settled = new WeakSet<Pool>();

export async function needsSetup(deps: Deps): Promise<boolean> {
  if (settled.has(deps.db)) return false;
  if (await anyClinicExists(deps.db)) {
    settled.add(deps.db);
    return false;
  }
  return true;
}

/** The presented token is the admin token (compared as hashes, in constant time). */
export function setupTokenValid(deps: Deps, presented: string): Promise<boolean> {
  return presented.length > 0 && presented.length <= 200 ? isAdminToken(deps, presented) : Promise.resolve(false);
}

/** What the start-up line shows: the link with a token we made, or (operator's own token) the path only. */
export type SetupLink = { kind: "token"; url: string } | { kind: "operator_token"; url: string };

/**
 * The start-up line's link while no clinic exists, else null. A token generated at an earlier start is
 * kept only as a hash, so it cannot be shown again: a new one replaces it (no clinic yet, so nothing
 * else depends on it). An operator's BACKFILL_ADMIN_TOKEN is never printed.
 */
export async function setupLink(deps: Deps, generatedNow: string | null): Promise<SetupLink | null> {
  if (!(await needsSetup(deps))) return null;
  const base = `${deps.config.publicUrl}/setup`;
  if (deps.config.adminToken) return { kind: "operator_token", url: base };
  let token = generatedNow;
  if (!token) {
    token = newSecret("bfadmin");
    await replaceInstanceSecret(deps.db, ADMIN_TOKEN, hashSecret(token), deps.clock.now());
  }
  return { kind: "token", url: `${base}?token=${encodeURIComponent(token)}` };
}

export interface SetupInput {
  token: string;
  clinicName: string;
  timezone: string;
  email: string;
  name: string;
  password: string;
  sampleData: boolean;
}

export interface SetUp {
  clinicId: string;
  /** The new admin's session cookie token. */
  sessionToken: string;
  /** What the sample data added (null: not asked for, or it failed and the clinic starts empty). */
  sample: SampleSummary | null;
}

export function setupErrors(input: SetupInput): FieldError[] {
  const errors: FieldError[] = [];
  const clinicName = input.clinicName.trim();
  if (clinicName.length === 0 || clinicName.length > 200) errors.push({ path: "/clinicName", message: "must be 1 to 200 characters" });
  if (!canonicalZone(input.timezone)) errors.push({ path: "/timezone", message: "must be an IANA time zone name" });
  errors.push(...staffUserErrors({ email: input.email, name: input.name, password: input.password, role: "admin" }, MIN_PASSWORD));
  return errors;
}

/**
 * Creates the clinic, its first `admin` login and that login's session in one transaction. Two setups
 * at once queue on an advisory lock; the second then sees the first one's clinic and is refused
 * (not_found: /setup no longer exists). Sample data follows in a transaction of its own.
 */
export async function setUpClinic(deps: Deps, input: SetupInput): Promise<Result<SetUp>> {
  if (!(await setupTokenValid(deps, input.token))) return fail("forbidden", "the setup link's token is missing or wrong");
  const errors = setupErrors(input);
  if (errors.length > 0) return invalid(errors);
  const timezone = canonicalZone(input.timezone)!;
  const passwordHash = await hashPassword(input.password);
  const at = deps.clock.now();
  const made = await inTransaction(deps.db, async (tx) => {
    await lockFirstRun(tx);
    if (await anyClinicExists(tx)) return fail("not_found", "a clinic already exists: there is nothing to set up");
    const { clinic } = await createClinicIn(tx, { name: input.clinicName.trim(), timezone }, at, "setup");
    const caller: Caller = { clinicId: clinic.id, actor: "setup" };
    const user = await createStaffUserIn(tx, caller, { email: input.email, name: input.name, password: input.password, role: "admin" }, passwordHash, at);
    if (!user.ok) return user;
    const session = await startSessionIn(tx, user.value, at);
    return ok({ clinicId: clinic.id, sessionToken: session.token });
  });
  if (!made.ok) return made;
  settled.add(deps.db);
  let sample: SampleSummary | null = null;
  if (input.sampleData) {
    try {
      sample = await fillWithSampleData(deps, { clinicId: made.value.clinicId, actor: "setup" }, timezone);
    } catch (e) {
      // The clinic and the login stand; the sample is all-or-nothing (one transaction), so nothing half-made.
      deps.log.error({ clinicId: made.value.clinicId, err: e instanceof Error ? e.message : String(e) }, "sample data failed");
    }
  }
  return ok({ ...made.value, sample });
}

/** The start-up line (API.md "First run"); an operator's own token is named, never printed. */
export function setupLine(link: SetupLink): string {
  return link.kind === "token"
    ? `Set up your clinic: ${link.url}`
    : `Set up your clinic: ${link.url} (add ?token= and the BACKFILL_ADMIN_TOKEN you set for this server)`;
}
