// The waitlist entry form (add and edit share it), its parsing, and GET/POST /waitlist/:id (edit).
// Windows and the preferred time are in the clinic's zone, as in the API.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { FieldError } from "../../core/result.ts";
import { checkPreferences } from "../../core/waitlist.ts";
import { PRIORITIES, type Priority, type WaitlistEntry } from "../../core/types.ts";
import { editWaitlistEntry, type EntryInput } from "../../flows/add-to-waitlist.ts";
import { findEntry } from "../../flows/look-up.ts";
import { viewDirectory, viewPatientNames, type Directory, type Named } from "../../flows/view-directory.ts";
import type { App } from "../../http/app.ts";
import { html, type Html } from "../html.ts";
import { activitySection } from "./activity.ts";
import { WEEKDAYS } from "./format.ts";
import { csrfField, errorSummary, fieldError, options, statusBadge } from "./layout.ts";
import { formOf, isId, many, one, seeOther, staffOf, statusOf, type Form, type FormErrors, type Kit } from "./kit.ts";

export const WINDOW_ROWS = 3;

export interface EntryValues {
  patientId: string;
  serviceId: string;
  providerIds: string[];
  windows: { weekdays: number[]; start: string; end: string }[];
  earliestDate: string;
  latestDate: string;
  priority: string;
  minNoticeHours: string;
  preferredTime: string;
  notes: string;
}

export const LABELS: Record<string, string> = {
  "/patientId": "Patient",
  "/serviceId": "Service",
  "/providerIds": "Providers",
  "/windows": "Time windows",
  "/earliestDate": "Earliest date",
  "/latestDate": "Latest date",
  "/priority": "Priority",
  "/minNoticeMinutes": "Minimum notice",
  "/preferredTime": "Preferred time",
  "/notes": "Notes",
  "/status": "Status",
};
for (let i = 0; i < WINDOW_ROWS; i++) {
  for (const [k, word] of [
    ["weekdays", "days"],
    ["start", "from"],
    ["end", "until"],
  ])
    LABELS[`/windows/${i}/${k}`] = `Window ${i + 1} ${word}`;
}

export function valuesOf(e: WaitlistEntry): EntryValues {
  return {
    patientId: e.patientId,
    serviceId: e.serviceId,
    providerIds: e.providerIds,
    windows: e.windows,
    earliestDate: e.earliestDate ?? "",
    latestDate: e.latestDate ?? "",
    priority: e.priority,
    minNoticeHours: e.minNoticeMinutes ? String(Math.round((e.minNoticeMinutes / 60) * 100) / 100) : "",
    preferredTime: e.preferredTime ?? "",
    notes: e.notes ?? "",
  };
}

export const emptyValues = (): EntryValues => ({
  patientId: "",
  serviceId: "",
  providerIds: [],
  windows: [],
  earliestDate: "",
  latestDate: "",
  priority: "normal",
  minNoticeHours: "",
  preferredTime: "",
  notes: "",
});

/** Reads the form; `errors` are what the form itself can tell (the flow checks the rest). */
export function parseEntryForm(form: Form): { values: EntryValues; input: EntryInput; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const windows: EntryValues["windows"] = [];
  for (let i = 0; i < WINDOW_ROWS; i++) {
    const weekdays = many(form, `w${i}_days`)
      .map(Number)
      .filter((d) => Number.isInteger(d) && d >= 1 && d <= 7);
    const start = one(form, `w${i}_start`);
    const end = one(form, `w${i}_end`);
    if (weekdays.length === 0 && !start && !end) continue;
    const k = windows.length;
    if (weekdays.length === 0) errors.push({ path: `/windows/${k}/weekdays`, message: "tick at least one weekday" });
    if (!start) errors.push({ path: `/windows/${k}/start`, message: "is required" });
    if (!end) errors.push({ path: `/windows/${k}/end`, message: "is required" });
    windows.push({ weekdays, start, end });
  }
  const providerIds = many(form, "providerIds");
  const values: EntryValues = {
    patientId: one(form, "patientId"),
    serviceId: one(form, "serviceId"),
    providerIds,
    windows,
    earliestDate: one(form, "earliestDate"),
    latestDate: one(form, "latestDate"),
    priority: one(form, "priority") || "normal",
    minNoticeHours: one(form, "minNoticeHours"),
    preferredTime: one(form, "preferredTime"),
    notes: one(form, "notes"),
  };
  if (!isId(values.serviceId)) errors.push({ path: "/serviceId", message: "choose a service" });
  if (providerIds.some((p) => !isId(p))) errors.push({ path: "/providerIds", message: "choose providers from the list" });
  if (!(PRIORITIES as readonly string[]).includes(values.priority)) errors.push({ path: "/priority", message: "choose a priority" });
  const hours = values.minNoticeHours === "" ? 0 : Number(values.minNoticeHours);
  if (!Number.isFinite(hours) || hours < 0 || hours > 720) errors.push({ path: "/minNoticeMinutes", message: "must be 0 to 720 hours" });
  if (values.notes.length > 2000) errors.push({ path: "/notes", message: "must be at most 2000 characters" });
  const input: EntryInput = {
    patientId: values.patientId,
    serviceId: values.serviceId,
    providerIds,
    windows,
    earliestDate: values.earliestDate || null,
    latestDate: values.latestDate || null,
    priority: values.priority as Priority,
    minNoticeMinutes: Math.round(hours * 60),
    preferredTime: values.preferredTime || null,
    notes: values.notes || null,
  };
  // What the flow would say too (window order, real dates), so one answer names every bad field.
  const named = new Set(errors.map((e) => e.path));
  errors.push(...checkPreferences(input).filter((e) => !named.has(e.path)));
  return { values, input, errors };
}

const invalid = (errors: FieldError[] | undefined, path: string) =>
  (errors ?? []).some((e) => e.path === path || e.path.startsWith(`${path}/`)) ? html` aria-invalid="true"` : "";

export function entryForm(o: {
  action: string;
  submit: string;
  csrf: string;
  values: EntryValues;
  failed?: FormErrors;
  dir: Directory;
  /** Patients to choose from (add); absent when editing (the patient is fixed). */
  patients?: Named[];
}): Html {
  const v = o.values;
  const errs = o.failed?.errors;
  const rows = Array.from({ length: WINDOW_ROWS }, (_, i) => v.windows[i] ?? { weekdays: [], start: "", end: "" });
  return html`<form method="post" action="${o.action}" class="card entry-form">${csrfField(o.csrf)}
${o.failed ? errorSummary(o.failed.detail, o.failed.errors, LABELS) : ""}
${o.patients ? html`<label for="patientId">Patient</label><select id="patientId" name="patientId" required${invalid(errs, "/patientId")}>${options(o.patients, v.patientId, "Choose a patient…")}</select>${fieldError(errs, "/patientId")}` : ""}
<label for="serviceId">Service</label><select id="serviceId" name="serviceId" required${invalid(errs, "/serviceId")}>${options(o.dir.services, v.serviceId, "Choose a service…")}</select>${fieldError(errs, "/serviceId")}
<label for="providerIds">Providers <span class="muted small">(none = any; the first is preferred)</span></label>
<select id="providerIds" name="providerIds" multiple size="3"${invalid(errs, "/providerIds")}>${options(o.dir.providers, v.providerIds)}</select>${fieldError(errs, "/providerIds")}
<fieldset><legend>Weekday/time windows <span class="muted small">(clinic time; none = any time)</span></legend>
${rows.map(
  (
    w,
    i,
  ) => html`<div class="window" data-window="${i}"><span class="muted small">Window ${i + 1}</span><div class="days">${WEEKDAYS.map((d, j) => html`<label><input type="checkbox" name="w${i}_days" value="${j + 1}"${w.weekdays.includes(j + 1) ? html` checked` : ""}>${d}</label>`)}</div>
<div class="pair"><div><label for="w${i}_start">From</label><input type="time" id="w${i}_start" name="w${i}_start" value="${w.start}"${invalid(errs, `/windows/${i}/start`)}></div>
<div><label for="w${i}_end">Until</label><input type="time" id="w${i}_end" name="w${i}_end" value="${w.end}"${invalid(errs, `/windows/${i}/end`)}></div></div>${fieldError(errs, `/windows/${i}`)}</div>`,
)}
</fieldset>
<div class="pair"><div><label for="earliestDate">Earliest date</label><input type="date" id="earliestDate" name="earliestDate" value="${v.earliestDate}"${invalid(errs, "/earliestDate")}>${fieldError(errs, "/earliestDate")}</div>
<div><label for="latestDate">Latest date</label><input type="date" id="latestDate" name="latestDate" value="${v.latestDate}"${invalid(errs, "/latestDate")}>${fieldError(errs, "/latestDate")}</div></div>
<div class="pair"><div><label for="priority">Priority</label><select id="priority" name="priority">${options(
    PRIORITIES.map((p) => ({ id: p, name: p })),
    v.priority,
  )}</select>${fieldError(errs, "/priority")}</div>
<div><label for="minNoticeHours">Minimum notice (hours)</label><input type="number" min="0" max="720" step="0.5" id="minNoticeHours" name="minNoticeHours" value="${v.minNoticeHours}"${invalid(errs, "/minNoticeMinutes")}>${fieldError(errs, "/minNoticeMinutes")}</div>
<div><label for="preferredTime">Preferred time</label><input type="time" id="preferredTime" name="preferredTime" value="${v.preferredTime}"${invalid(errs, "/preferredTime")}>${fieldError(errs, "/preferredTime")}</div></div>
<label for="notes">Notes <span class="muted small">(staff only; never sent to the patient)</span></label><textarea id="notes" name="notes" rows="2" maxlength="2000">${v.notes}</textarea>${fieldError(errs, "/notes")}
<p><button class="primary" type="submit">${o.submit}</button></p></form>`;
}

async function editPage(
  kit: Kit,
  request: FastifyRequest,
  reply: FastifyReply,
  entry: WaitlistEntry,
  values: EntryValues,
  failed?: FormErrors,
  status?: number,
) {
  const staff = staffOf(request);
  const [dir, names] = await Promise.all([
    viewDirectory(kit.deps, staff.caller.clinicId),
    viewPatientNames(kit.deps, staff.caller.clinicId, [entry.patientId]),
  ]);
  const name = names.get(entry.patientId) ?? "patient";
  const body = html`<p><a href="/waitlist">← Waitlist</a></p><p><strong>${name}</strong> ${statusBadge(entry.status)}
<span class="muted small">${entry.notificationCount} notification(s) so far</span></p>
${entryForm({ action: `/waitlist/${entry.id}`, submit: "Save", csrf: staff.csrf, values, failed, dir })}
${await activitySection(kit, staff, "waitlist_entry", entry.id)}`;
  return kit.page(request, reply, { title: "Edit waitlist entry", active: "/waitlist", body, status });
}

export function waitlistEntryRoutes(app: App, kit: Kit) {
  const guard = kit.guard("booking:manage_waitlist");
  app.get<{ Params: { id: string } }>("/waitlist/:id", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    const found = isId(request.params.id) ? await findEntry(kit.deps, staffOf(request).caller, request.params.id) : null;
    if (!found?.ok) return kit.notFound(request, reply);
    return editPage(kit, request, reply, found.value, valuesOf(found.value));
  });

  app.post<{ Params: { id: string } }>("/waitlist/:id", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    const caller = staffOf(request).caller;
    const found = isId(request.params.id) ? await findEntry(kit.deps, caller, request.params.id) : null;
    if (!found?.ok) return kit.notFound(request, reply);
    const { values, input, errors } = parseEntryForm(formOf(request));
    values.patientId = found.value.patientId;
    if (errors.length) return editPage(kit, request, reply, found.value, values, { detail: null, errors }, 422);
    const { patientId: _fixed, ...patch } = input;
    const result = await editWaitlistEntry(kit.deps, caller, found.value.id, patch);
    if (result.ok) return seeOther(reply, "/waitlist", "entry_saved");
    const status = result.code === "not_found" && result.errors ? 422 : statusOf(result);
    return editPage(kit, request, reply, found.value, values, { detail: result.detail, errors: result.errors }, status);
  });
}
