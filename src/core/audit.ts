// Reading the audit log: who an `actor` string names, and what of a row's before/after may be shown.
// Rows are written by every flow (flows/deps.ts audit()); the actor is stored as one string, e.g.
// "staff_user:<id>", "api_key:<id>", "patient:sms:<offerId>", "system". Pure.

/** The entity types flows write today (the `entityType` filter accepts these only). */
export const AUDIT_ENTITY_TYPES = [
  "api_key",
  "appointment",
  "chair",
  "charge",
  "claim",
  "clinic",
  "closure",
  "delivery",
  "offer",
  "opening",
  "outreach_task",
  "patient",
  "provider",
  "service",
  "staff_session",
  "staff_user",
  "waitlist_entry",
  "webhook_endpoint",
] as const;
export type AuditEntityType = (typeof AUDIT_ENTITY_TYPES)[number];

export type ActorType = "staff" | "api_key" | "patient" | "system" | "provider";

/**
 * A stored actor, parsed. A patient who acted through a link, a text or a call is stored by the
 * record they acted on (the offer, the payment claim, the reschedule link); `lookup` names it so the
 * store can give the patient's id. `via` says how they acted.
 */
export interface ParsedActor {
  type: ActorType;
  id: string | null;
  via: string | null;
  lookup: { table: "offers" | "payment_holds" | "appointment_links" | "offer_or_patient"; id: string } | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const PATIENT_VIA: Record<string, { via: string; table: NonNullable<ParsedActor["lookup"]>["table"] }> = {
  offer: { via: "link", table: "offers" },
  voice: { via: "voice", table: "offers" },
  // A YES/NO to an offer stores the offer's id; a reminder reply stores the patient's.
  sms: { via: "sms", table: "offer_or_patient" },
  claim: { via: "payment", table: "payment_holds" },
  link: { via: "reschedule_link", table: "appointment_links" },
};

/**
 * The mapping (README "Audit log"): staff_user:<id> → staff; api_key:<id> → api_key; patient:<id> and
 * patient:<how>:<ref> → patient (id resolved from the ref); provider → provider (a channel provider's
 * callback, e.g. Twilio's status); system, and the bootstrap actors admin, setup and demo → system.
 */
export function parseActor(stored: string): ParsedActor {
  const [head, ...rest] = stored.split(":");
  const tail = rest.join(":");
  if (head === "staff_user" && tail) return { type: "staff", id: tail, via: null, lookup: null };
  if (head === "api_key" && tail) return { type: "api_key", id: tail, via: null, lookup: null };
  if (head === "provider") return { type: "provider", id: tail || null, via: null, lookup: null };
  if (head === "patient") {
    if (rest.length === 1 && UUID.test(tail)) return { type: "patient", id: tail, via: null, lookup: null };
    const how = PATIENT_VIA[rest[0] ?? ""];
    const ref = rest.slice(1).join(":");
    if (how && UUID.test(ref)) return { type: "patient", id: null, via: how.via, lookup: { table: how.table, id: ref } };
    return { type: "patient", id: null, via: null, lookup: null };
  }
  if (head === "system") return { type: "system", id: null, via: null, lookup: null };
  // "admin" (the instance's admin token), "setup" (first run), "demo" (sample data): the instance itself.
  return { type: "system", id: stored, via: null, lookup: null };
}

// Keys whose values are a patient's name or contact details, or free text that may carry them (an
// offer's message greets nobody today, but its text is the patient's and need not be in the log).
const REDACTED_KEYS = new Set(["firstName", "lastName", "fullName", "patientName", "phone", "email", "toAddress", "to", "message", "body", "endpoint"]);
const EMAIL = /[^\s@"'<>]+@[^\s@"'<>]+\.[^\s@"'<>]+/g;
const PHONE = /\+\d[\d\s().-]{5,}\d/g; // E.164 and its spaced forms; ISO dates have no "+"

export const REDACTED = "[redacted]";
export const REDACTED_CHANGED = "[redacted: changed]";

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

function scrubText(s: string): string {
  return s.replace(EMAIL, "[email]").replace(PHONE, "[phone]");
}

function scrub(value: Json, other: Json | undefined, key: string | null): Json {
  if (key !== null && REDACTED_KEYS.has(key) && value !== null)
    return other !== undefined && JSON.stringify(other) !== JSON.stringify(value) ? REDACTED_CHANGED : REDACTED;
  if (typeof value === "string") return scrubText(value);
  if (Array.isArray(value)) return value.map((v) => scrub(v, undefined, null));
  if (value && typeof value === "object") {
    const o = other && typeof other === "object" && !Array.isArray(other) ? other : undefined;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, scrub(v, o ? (o[k] ?? null) : undefined, k)]));
  }
  return value;
}

/**
 * before/after as they may be shown: names, phones, emails and message texts replaced, at any depth,
 * and any e-mail address or +phone inside other text too. A redacted field that differs between before
 * and after reads "[redacted: changed]" on both sides, so the row still says what changed.
 */
export function redactChange(before: unknown, after: unknown): { before: unknown; after: unknown } {
  const b = (before ?? null) as Json;
  const a = (after ?? null) as Json;
  return { before: scrub(b, a === null ? undefined : a, null), after: scrub(a, b === null ? undefined : b, null) };
}
