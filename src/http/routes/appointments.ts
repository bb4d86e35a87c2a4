// Appointments (`booking:manage_schedule`): book, cancel (frees an opening), check in, list.
import { Type } from "typebox";
import { APPOINTMENT_STATUSES, type AppointmentStatus } from "../../core/types.ts";
import { bookAppointment } from "../../flows/book-appointment.ts";
import { cancelAppointment, checkIn } from "../../flows/cancel-appointment.ts";
import type { Deps } from "../../flows/deps.ts";
import { findAppointment, listAppointmentsOf } from "../../flows/look-up.ts";
import { internalRefsOf } from "../../flows/references.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { AppointmentJson, OpeningJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { requiringRefs } from "../refs.ts";
import { Enum, ExternalId, Id, IdParams, Instant, ListOf, ListQuery, Nullable, problems, Text } from "../schemas.ts";
import { appointmentJson, openingJson } from "../../flows/resource-json.ts";

const date = (s: string | undefined) => (s === undefined ? undefined : new Date(s));
export const BOOKING_REFS = ["patientId", "providerId", "serviceId"] as const;

/** A booking's body (POST, and the sync PUT beside its own fields): each reference by id or by external id. */
export const bookingFields = {
  patientId: Type.Optional(Id),
  patientExternalId: Type.Optional(ExternalId),
  providerId: Type.Optional(Id),
  providerExternalId: Type.Optional(ExternalId),
  chairId: Type.Optional(Nullable(Id)),
  chairExternalId: Type.Optional(Nullable(ExternalId)),
  serviceId: Type.Optional(Id),
  serviceExternalId: Type.Optional(ExternalId),
  start: Instant,
  end: Type.Optional(Instant),
};

export function appointmentRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_schedule");
  const tags = ["appointments"];

  app.post(
    "/api/booking/appointments",
    {
      onRequest: guard,
      ...requiringRefs(BOOKING_REFS),
      schema: {
        operationId: "createAppointment",
        summary: "Book an appointment",
        description:
          "`end` defaults to start + the service's duration. Overlapping an active appointment of the same provider or chair is a 409 `conflict`; " +
          "booking over an open opening fills it and withdraws its offers. " +
          "Each reference may name the record by its `externalId` instead (`patientExternalId`, `providerExternalId`, `chairExternalId`, " +
          "`serviceExternalId`): an unknown one is a 404 naming the field; giving both forms of one is a 422.",
        tags,
        body: Type.Object(bookingFields, { additionalProperties: false }),
        response: { 201: AppointmentJson, ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const refs = await internalRefsOf(deps, caller, request.body, BOOKING_REFS);
      if (!refs.ok) return sendResult(reply, refs, 201, appointmentJson);
      const b = refs.value;
      const result = await bookAppointment(deps, caller, { ...b, start: new Date(b.start), end: date(b.end) });
      return sendResult(reply, result, 201, appointmentJson);
    },
  );

  app.get(
    "/api/booking/appointments",
    {
      onRequest: guard,
      schema: {
        operationId: "listAppointments",
        summary: "List appointments, by time, status or patient",
        tags,
        querystring: Type.Object({
          from: Type.Optional(Instant),
          to: Type.Optional(Instant),
          status: Type.Optional(Enum(APPOINTMENT_STATUSES)),
          patientId: Type.Optional(Id),
          externalId: Type.Optional(ExternalId),
          ...ListQuery,
        }),
        response: { 200: ListOf(AppointmentJson), ...problems() },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = {
        from: date(q.from),
        to: date(q.to),
        status: q.status as AppointmentStatus | undefined,
        patientId: q.patientId,
        externalId: q.externalId,
      };
      return listOf(await listAppointmentsOf(deps, callerOf(request), filter, pageRequest(q)), appointmentJson);
    },
  );

  app.get(
    "/api/booking/appointments/:id",
    {
      onRequest: guard,
      schema: { operationId: "getAppointment", summary: "Read an appointment", tags, params: IdParams, response: { 200: AppointmentJson, ...problems(404) } },
    },
    async (request, reply) => sendResult(reply, await findAppointment(deps, callerOf(request), request.params.id), 200, appointmentJson),
  );

  app.post(
    "/api/booking/appointments/:id/cancel",
    {
      onRequest: guard,
      schema: {
        operationId: "cancelAppointment",
        summary: "Cancel an appointment",
        description:
          "The freed time becomes an OPEN opening and the waitlist flow starts on its own. " +
          "A patient cancellation with a fee answers a quote (`cancelled: false`) and changes nothing unless `confirm: true`.",
        tags,
        params: IdParams,
        body: Type.Object(
          {
            by: Type.Union([Type.Literal("patient"), Type.Literal("staff")]),
            reason: Type.Optional(Text(500)),
            confirm: Type.Optional(Type.Boolean()),
          },
          { additionalProperties: false },
        ),
        response: {
          200: Type.Union([
            Type.Object({
              cancelled: Type.Literal(true),
              appointment: AppointmentJson,
              opening: Nullable(OpeningJson),
              cancellationFeeCents: Type.Integer(),
              gracePeriodActive: Type.Boolean(),
            }),
            Type.Object({
              cancelled: Type.Literal(false),
              requiresConfirmation: Type.Literal(true),
              cancellationFeeCents: Type.Integer(),
              feeReason: Type.String(),
            }),
          ]),
          ...problems(404, 409),
        },
      },
    },
    async (request, reply) => {
      const result = await cancelAppointment(deps, callerOf(request), request.params.id, request.body);
      return sendResult(reply, result, 200, (v) =>
        v.cancelled
          ? {
              cancelled: true,
              appointment: appointmentJson(v.appointment),
              opening: v.opening ? openingJson(v.opening) : null,
              cancellationFeeCents: v.cancellationFeeCents,
              gracePeriodActive: v.gracePeriodActive,
            }
          : v,
      );
    },
  );

  app.post(
    "/api/booking/appointments/:id/check-in",
    {
      onRequest: guard,
      schema: {
        operationId: "checkInAppointment",
        summary: "Check a patient in for an appointment",
        tags,
        params: IdParams,
        response: { 200: AppointmentJson, ...problems(404, 409) },
      },
    },

    async (request, reply) => sendResult(reply, await checkIn(deps, callerOf(request), request.params.id), 200, appointmentJson),
  );
}
