// Sync by external id (API.md "Connecting the clinic's own systems"): `PUT /api/booking/<kind>/external/:externalId`
// for patients, providers, chairs, services, appointments and waitlist entries.
// 201 created, 200 updated or unchanged, the outcome in the `Backfill-Sync` header; `?dryRun=true` writes nothing.
import { Type } from "typebox";
import type { Deps } from "../../flows/deps.ts";
import { appointmentJson, entryJson, patientJson, resourceJson, serviceJson } from "../../flows/resource-json.ts";
import { syncAppointment, type AppointmentSyncBody } from "../../flows/sync-appointment.ts";
import { APPOINTMENT_STATUSES } from "../../core/types.ts";
import { syncPatient, syncResource, syncService, syncWaitlistEntry, type EntrySyncBody } from "../../flows/sync-records.ts";
import type { PatientBody } from "../../flows/register-patient.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { AppointmentJson, EntryJson, PatientJson, ResourceJson, ServiceJson } from "../entities.ts";
import { Enum, ExternalId, ExternalIdParams, SyncQuery, Text } from "../schemas.ts";
import { BOOKING_REFS, bookingFields } from "./appointments.ts";
import { sendSynced, SYNC_DESCRIPTION, syncResponses } from "../sync-reply.ts";
import { patientFields } from "./patients.ts";
import { resourceFields, serviceFields } from "./schedule.ts";
import { ENTRY_REFS, entryFields } from "./waitlist.ts";
import { requiringRefs } from "../refs.ts";

const closed = { additionalProperties: false };

export function syncRoutes(app: App, deps: Deps) {
  const schedule = requireKey(deps, "booking:manage_schedule");
  const waitlist = requireKey(deps, "booking:manage_waitlist");

  app.put(
    "/api/booking/patients/external/:externalId",
    {
      onRequest: schedule,
      schema: {
        operationId: "syncPatient",
        summary: "Create or update a patient by external id",
        description:
          `${SYNC_DESCRIPTION} Left out, \`phone\`, \`email\`, \`timezone\` and \`preferredChannel\` become null and the consents false; ` +
          'a consent the sync grants or withdraws is recorded with source `"sync"`.',
        tags: ["patients"],
        params: ExternalIdParams,
        querystring: SyncQuery,
        body: Type.Object(patientFields, closed),
        response: syncResponses(PatientJson),
      },
    },
    async (request, reply) =>
      sendSynced(
        reply,
        await syncPatient(deps, callerOf(request), request.params.externalId, request.body as PatientBody, request.query.dryRun === true),
        patientJson,
      ),
  );

  for (const table of ["providers", "chairs"] as const) {
    const noun = table === "providers" ? "Provider" : "Chair";
    app.put(
      `/api/booking/${table}/external/:externalId`,
      {
        onRequest: schedule,
        schema: {
          operationId: `sync${noun}`,
          summary: `Create or update a ${noun.toLowerCase()} by external id`,
          description: SYNC_DESCRIPTION,
          tags: ["schedule"],
          params: ExternalIdParams,
          querystring: SyncQuery,
          body: Type.Object(resourceFields, closed),
          response: syncResponses(ResourceJson),
        },
      },
      async (request, reply) =>
        sendSynced(
          reply,
          await syncResource(deps, callerOf(request), table, request.params.externalId, request.body, request.query.dryRun === true),
          resourceJson,
        ),
    );
  }

  app.put(
    "/api/booking/services/external/:externalId",
    {
      onRequest: schedule,
      schema: {
        operationId: "syncService",
        summary: "Create or update a service by external id",
        description: `${SYNC_DESCRIPTION} The category is compared lower-cased, as it is stored.`,
        tags: ["schedule"],
        params: ExternalIdParams,
        querystring: SyncQuery,
        body: Type.Object(serviceFields, closed),
        response: syncResponses(ServiceJson),
      },
    },
    async (request, reply) =>
      sendSynced(reply, await syncService(deps, callerOf(request), request.params.externalId, request.body, request.query.dryRun === true), serviceJson),
  );

  app.put(
    "/api/booking/waitlist/external/:externalId",
    {
      onRequest: waitlist,
      ...requiringRefs(ENTRY_REFS),
      schema: {
        operationId: "syncWaitlistEntry",
        summary: "Create or update a waitlist entry by external id",
        description:
          `${SYNC_DESCRIPTION} References by id or by external id (\`patientExternalId\`, \`serviceExternalId\`, \`providerExternalIds\`, ` +
          "`chairExternalIds`; an unknown one is a 404 naming the field). Left out, `providerIds`, `chairIds` and `windows` become empty, " +
          "`priority` normal, `minNoticeMinutes` 0, the dates, `preferredTime` and `notes` null. An update follows `PATCH`'s rules " +
          "(a closed entry is a 409); an entry's patient cannot change (422).",
        tags: ["waitlist"],
        params: ExternalIdParams,
        querystring: SyncQuery,
        body: Type.Object(entryFields, closed),
        response: syncResponses(EntryJson),
      },
    },
    async (request, reply) =>
      sendSynced(
        reply,
        await syncWaitlistEntry(deps, callerOf(request), request.params.externalId, request.body as EntrySyncBody, request.query.dryRun === true),
        entryJson,
      ),
  );

  app.put(
    "/api/booking/appointments/external/:externalId",
    {
      onRequest: schedule,
      ...requiringRefs(BOOKING_REFS),
      schema: {
        operationId: "syncAppointment",
        summary: "Create or update an appointment by external id",
        description:
          `${SYNC_DESCRIPTION} References by id or by external id, as \`POST /api/booking/appointments\`; \`end\` left out is start + the service's duration. ` +
          "A change runs the same flow as the native action: `status` CANCELLED the cancellation (its freed time is offered from the waitlist; " +
          '`cancelledBy` `"staff"` unless given, and a patient cancellation\'s fee is not quoted: the host system already decided), NO_SHOW the no-show flow, ' +
          "CHECKED_IN the check-in; CONFIRMED and COMPLETED are recorded. A new `start`, `end`, provider, chair or service moves the appointment " +
          "in place (same id) and what is still ahead of the old time becomes a `RESCHEDULE` opening. An overlap with another appointment is a 409 " +
          "`conflict` naming it (`conflictingAppointmentId`); nothing is half-written. Status never goes backwards: `status` left out, or BOOKED on a " +
          "CONFIRMED or CHECKED_IN appointment, keeps the status. A CANCELLED, NO_SHOW or COMPLETED appointment is history: the same status again is " +
          "unchanged, another is a 409. A new appointment sent as CANCELLED, NO_SHOW or COMPLETED is recorded without a booking's effects. " +
          "An appointment's patient cannot change (422).",
        tags: ["appointments"],
        params: ExternalIdParams,
        querystring: SyncQuery,
        body: Type.Object(
          {
            externalId: Type.Optional(ExternalId),
            ...bookingFields,
            status: Type.Optional(Enum(APPOINTMENT_STATUSES)),
            cancelledBy: Type.Optional(Type.Union([Type.Literal("patient"), Type.Literal("staff")])),
            cancelReason: Type.Optional(Text(500)),
          },
          closed,
        ),
        response: syncResponses(AppointmentJson),
      },
    },
    async (request, reply) =>
      sendSynced(
        reply,
        await syncAppointment(deps, callerOf(request), request.params.externalId, request.body as AppointmentSyncBody, request.query.dryRun === true),
        appointmentJson,
      ),
  );
}
