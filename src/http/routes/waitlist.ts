// Waitlist entries (`booking:manage_waitlist`).
import { Type } from "typebox";
import { ENTRY_STATUSES, PRIORITIES, type EntryStatus } from "../../core/types.ts";
import { addToWaitlist, editWaitlistEntry, removeFromWaitlist, type EntryInput, type EntryPatch } from "../../flows/add-to-waitlist.ts";
import type { Deps } from "../../flows/deps.ts";
import { findEntry, listEntriesOf } from "../../flows/look-up.ts";
import { internalRefsOf } from "../../flows/references.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { EntryJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { requiringRefs } from "../refs.ts";
import { CalendarDate, Enum, ExternalId, Id, IdParams, ListOf, ListQuery, Nullable, problems, Text, TimeOfDay, Window } from "../schemas.ts";
import { entryJson } from "../../flows/resource-json.ts";

// Each reference by id or by the clinic's own system's id (`serviceExternalId`, …; not both).
const preferences = {
  serviceId: Type.Optional(Id),
  serviceExternalId: Type.Optional(ExternalId),
  providerIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
  providerExternalIds: Type.Optional(Type.Array(ExternalId, { maxItems: 50 })),
  chairIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
  chairExternalIds: Type.Optional(Type.Array(ExternalId, { maxItems: 50 })),
  windows: Type.Optional(Type.Array(Window, { maxItems: 21 })),
  earliestDate: Type.Optional(Nullable(CalendarDate)),
  latestDate: Type.Optional(Nullable(CalendarDate)),
  priority: Type.Optional(Enum(PRIORITIES)),
  minNoticeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 43_200 })),
  preferredTime: Type.Optional(Nullable(TimeOfDay)),
  notes: Type.Optional(Nullable(Text(2000))),
};

/** The body `POST` (and the sync `PUT`) take: `patientId` or `patientExternalId`, `serviceId` or `serviceExternalId`. */
export const entryFields = {
  patientId: Type.Optional(Id),
  patientExternalId: Type.Optional(ExternalId),
  ...preferences,
  externalId: Type.Optional(ExternalId),
};
export const ENTRY_REFS = ["patientId", "serviceId"] as const;
const REFERENCES =
  "Every reference may name the record by its `externalId` instead (`patientExternalId`, `serviceExternalId`, `providerExternalIds`, " +
  "`chairExternalIds`): an unknown one is a 404 naming the field; giving both forms of one is a 422. " +
  "`externalId` (the clinic's own system's id for the entry) is unique per clinic: a duplicate is a 409 `conflict`.";

export function waitlistRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_waitlist");
  const tags = ["waitlist"];

  app.post(
    "/api/booking/waitlist",
    {
      onRequest: guard,
      ...requiringRefs(ENTRY_REFS),
      schema: {
        operationId: "createWaitlistEntry",
        summary: "Put a patient on the waitlist",
        description: `Windows and \`preferredTime\` are in the clinic's time zone; the first of \`providerIds\` is the preferred practitioner (empty = any). ${REFERENCES}`,
        tags,
        body: Type.Object(entryFields, { additionalProperties: false }),
        response: { 201: EntryJson, ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const body = await internalRefsOf(deps, caller, request.body, ENTRY_REFS);
      if (!body.ok) return sendResult(reply, body, 201, entryJson);
      return sendResult(reply, await addToWaitlist(deps, caller, body.value as EntryInput), 201, entryJson);
    },
  );

  app.get(
    "/api/booking/waitlist",
    {
      onRequest: guard,
      schema: {
        operationId: "listWaitlistEntries",
        summary: "List waitlist entries, by status, patient or service",
        tags,
        querystring: Type.Object({
          status: Type.Optional(Enum(ENTRY_STATUSES)),
          patientId: Type.Optional(Id),
          serviceId: Type.Optional(Id),
          externalId: Type.Optional(ExternalId),
          ...ListQuery,
        }),
        response: { 200: ListOf(EntryJson), ...problems() },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = { status: q.status as EntryStatus | undefined, patientId: q.patientId, serviceId: q.serviceId, externalId: q.externalId };
      return listOf(await listEntriesOf(deps, callerOf(request), filter, pageRequest(q)), entryJson);
    },
  );

  app.get(
    "/api/booking/waitlist/:id",
    {
      onRequest: guard,
      schema: { operationId: "getWaitlistEntry", summary: "Read a waitlist entry", tags, params: IdParams, response: { 200: EntryJson, ...problems(404) } },
    },
    async (request, reply) => sendResult(reply, await findEntry(deps, callerOf(request), request.params.id), 200, entryJson),
  );

  app.patch(
    "/api/booking/waitlist/:id",
    {
      onRequest: guard,
      schema: {
        operationId: "updateWaitlistEntry",
        summary: "Change a waitlist entry's preferences",
        description: `\`status\` may only be set to \`ACTIVE\` (to put the entry back on the list). \`externalId: null\` clears the external id. ${REFERENCES}`,
        tags,
        params: IdParams,
        // Type.Partial drops the object's options: additionalProperties goes on the Partial itself.
        body: Type.Partial(Type.Object({ ...preferences, status: Type.Literal("ACTIVE"), externalId: Nullable(ExternalId) }), { additionalProperties: false }),
        response: { 200: EntryJson, ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const patch = await internalRefsOf(deps, caller, request.body);
      if (!patch.ok) return sendResult(reply, patch, 200, entryJson);
      return sendResult(reply, await editWaitlistEntry(deps, caller, request.params.id, patch.value as EntryPatch), 200, entryJson);
    },
  );

  app.delete(
    "/api/booking/waitlist/:id",
    {
      onRequest: guard,
      schema: {
        operationId: "deleteWaitlistEntry",
        summary: "Remove an entry from the waitlist",
        description: "The entry's status becomes REMOVED; its live offers are withdrawn.",
        tags,

        params: IdParams,
        response: { 200: EntryJson, ...problems(404, 409) },
      },
    },
    async (request, reply) => sendResult(reply, await removeFromWaitlist(deps, callerOf(request), request.params.id), 200, entryJson),
  );
}
