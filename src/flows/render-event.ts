// A webhook event's `data`: the resource exactly as the API returns it (API.md "Events out"), rendered from
// the row the trigger kept (`snapshot`, to_jsonb of the row as the change left it) through the same store
// parsers and resource-json functions the API uses, so the two cannot drift apart. An offer is a
// notification: its opening and delivery trail are read when it is rendered (the first attempt).
import type { Queryable } from "../store/db.ts";
import { parseAppointment, type AppointmentRow } from "../store/appointments.ts";
import { parseOffer, type OfferRow } from "../store/offers.ts";
import { parseOpening, type OpeningRow } from "../store/openings.ts";
import { parseOutreachTask } from "../store/outreach.ts";
import { parsePatient } from "../store/patients.ts";
import { parseEntry, type WaitlistEntryRow } from "../store/waitlist.ts";
import { appointmentJson, entryJson, notificationJson, openingJson, patientJson, taskJson } from "./resource-json.ts";
import { notificationViews } from "./view-notifications.ts";

// timestamptz columns whose names do not end in `_at`.
const INSTANT_COLUMNS = new Set(["scheduled_for", "deadline"]);

/**
 * A row as to_jsonb wrote it, with its timestamptz columns (`…_at`, scheduled_for, deadline) as Dates again:
 * what pg gives the store parsers. Dates (`date`) stay strings, as db.ts reads them; numbers stay numbers.
 */
export function reviveRow(snapshot: unknown): Record<string, unknown> {
  if (!snapshot || typeof snapshot !== "object" || Array.isArray(snapshot)) throw new Error("an event snapshot is a row object");
  const row: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(snapshot)) {
    row[key] = typeof value === "string" && (key.endsWith("_at") || INSTANT_COLUMNS.has(key)) ? new Date(value) : value;
  }
  return row;
}

/** The event's `data` from its snapshot, in the transaction or pool `q`. */
export async function renderEventData(q: Queryable, event: { clinicId: string; entity: string; snapshot: unknown }): Promise<unknown> {
  if (event.entity === "webhook" || event.snapshot === null) return event.snapshot; // webhook.test: its own small body
  const row = reviveRow(event.snapshot);
  switch (event.entity) {
    case "appointment":
      return appointmentJson(parseAppointment(row as unknown as AppointmentRow));
    case "opening":
      return openingJson(parseOpening(row as unknown as OpeningRow));
    case "waitlist_entry":
      return entryJson(parseEntry(row as unknown as WaitlistEntryRow));
    case "patient":
      return patientJson(parsePatient(row as unknown as Parameters<typeof parsePatient>[0]));
    case "outreach_task":
      return taskJson(parseOutreachTask(row as unknown as Parameters<typeof parseOutreachTask>[0]));
    case "offer": {
      const offer = parseOffer(row as unknown as OfferRow);
      const [view] = await notificationViews(q, event.clinicId, [offer]);
      return notificationJson(view!);
    }
    default:
      throw new Error(`no rendering for webhook entity ${event.entity}`);
  }
}
