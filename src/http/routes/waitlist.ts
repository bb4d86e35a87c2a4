// Waitlist entries (`booking:manage_waitlist`).
import { Type } from "typebox";
import { ENTRY_STATUSES, PRIORITIES, type EntryStatus } from "../../core/types.ts";
import { addToWaitlist, editWaitlistEntry, removeFromWaitlist, type EntryInput, type EntryPatch } from "../../flows/add-to-waitlist.ts";
import type { Deps } from "../../flows/deps.ts";
import { findEntry, listEntriesOf } from "../../flows/look-up.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { EntryJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { CalendarDate, Enum, Id, IdParams, ListOf, ListQuery, Nullable, problems, Text, TimeOfDay, Window } from "../schemas.ts";
import { entryJson } from "../../flows/resource-json.ts";

const preferences = {
  serviceId: Id,
  providerIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
  chairIds: Type.Optional(Type.Array(Id, { maxItems: 50 })),
  windows: Type.Optional(Type.Array(Window, { maxItems: 21 })),
  earliestDate: Type.Optional(Nullable(CalendarDate)),
  latestDate: Type.Optional(Nullable(CalendarDate)),
  priority: Type.Optional(Enum(PRIORITIES)),
  minNoticeMinutes: Type.Optional(Type.Integer({ minimum: 0, maximum: 43_200 })),
  preferredTime: Type.Optional(Nullable(TimeOfDay)),
  notes: Type.Optional(Nullable(Text(2000))),
};

export function waitlistRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_waitlist");
  const tags = ["waitlist"];

  app.post(
    "/api/booking/waitlist",
    {
      onRequest: guard,
      schema: {
        operationId: "createWaitlistEntry",
        summary: "Put a patient on the waitlist",
        description: "Windows and `preferredTime` are in the clinic's time zone; the first of `providerIds` is the preferred practitioner (empty = any).",
        tags,
        body: Type.Object({ patientId: Id, ...preferences }, { additionalProperties: false }),
        response: { 201: EntryJson, ...problems(404) },
      },
    },
    async (request, reply) => sendResult(reply, await addToWaitlist(deps, callerOf(request), request.body as EntryInput), 201, entryJson),
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
          ...ListQuery,
        }),
        response: { 200: ListOf(EntryJson), ...problems() },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = { status: q.status as EntryStatus | undefined, patientId: q.patientId, serviceId: q.serviceId };
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
        description: "`status` may only be set to `ACTIVE` (to put the entry back on the list).",
        tags,
        params: IdParams,
        // Type.Partial drops the object's options: additionalProperties goes on the Partial itself.
        body: Type.Partial(Type.Object({ ...preferences, status: Type.Literal("ACTIVE") }), { additionalProperties: false }),
        response: { 200: EntryJson, ...problems(404, 409) },
      },
    },
    async (request, reply) =>
      sendResult(reply, await editWaitlistEntry(deps, callerOf(request), request.params.id, request.body as EntryPatch), 200, entryJson),
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
