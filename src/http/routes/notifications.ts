// The seven endpoints of the Opening Notifications spec (API.md).
import { Type } from "typebox";
import { OFFER_STATUSES, type OfferStatus } from "../../core/types.ts";
import { bookFromWaitlist } from "../../flows/book-from-waitlist.ts";
import { conversion } from "../../flows/conversion.ts";
import type { Deps } from "../../flows/deps.ts";
import { notifyEntry, notifyMatches } from "../../flows/notify.ts";
import { recordResponse } from "../../flows/respond-to-offer.ts";
import { findNotification, listNotifications, notificationViews } from "../../flows/view-notifications.ts";
import { viewMatches } from "../../flows/view-matches.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { AppointmentJson, NotificationJson } from "../entities.ts";
import { sendProblem, sendResult } from "../problem.ts";
import { Channel, Enum, Id, IdParams, Instant, ListOf, ListQuery, problems } from "../schemas.ts";
import { appointmentJson, notificationJson } from "../../flows/resource-json.ts";

export function notificationRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_waitlist");
  const tags = ["notifications"];
  const one = async (clinicId: string, offer: { id: string }) => notificationJson((await notificationViews(deps.db, clinicId, [offer as never]))[0]!);

  app.post(
    "/api/booking/waitlist/:id/notify",
    {
      onRequest: guard,
      schema: {
        operationId: "notifyWaitlistEntry",
        summary: "Offer a slot to a waitlist entry now",
        description:
          "Respects consent and quiet hours: made in the patient's quiet hours, the notification is queued (`status: SCHEDULED`). " +
          "409 `max_notifications_reached` / `slot_filled`; 422 `no_reachable_channel`.",
        tags,
        params: IdParams,
        body: Type.Object({ slotId: Id, channel: Type.Optional(Channel) }, { additionalProperties: false }),
        response: { 201: NotificationJson, ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await notifyEntry(deps, caller, request.params.id, request.body);
      if (!result.ok) return sendProblem(reply, result);
      const view = await findNotification(deps.db, caller, result.value.id);
      return sendResult(reply, view, 201, notificationJson);
    },
  );

  app.get(
    "/api/booking/waitlist/match/:slotId",
    {
      onRequest: guard,
      schema: {
        operationId: "matchWaitlistEntries",
        summary: "List the entries that fit a slot, best first",
        description: "Each match has its score and human-readable reasons (including learned preferences that moved it).",
        tags,
        params: Type.Object({ slotId: Id }),
        response: {
          200: Type.Object({
            items: Type.Array(Type.Object({ entryId: Id, patientId: Id, rank: Type.Integer(), score: Type.Integer(), reasons: Type.Array(Type.String()) })),
          }),
          ...problems(404),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const matches = await viewMatches(deps, caller, request.params.slotId);
      if (!matches.ok) return sendProblem(reply, matches);
      return { items: matches.value };
    },
  );

  app.post(
    "/api/booking/waitlist/notify-matches",
    {
      onRequest: guard,
      schema: {
        operationId: "notifyMatches",
        summary: "Offer each slot to its best matches now",
        description: "One live offer per patient across all the slots; the entries passed over are listed in `skipped` with the reason.",
        tags,
        body: Type.Object({ slotIds: Type.Array(Id, { minItems: 1, maxItems: 50 }) }, { additionalProperties: false }),
        response: {
          200: Type.Object({
            notifications: Type.Array(NotificationJson),
            skipped: Type.Array(Type.Object({ entryId: Type.Union([Id, Type.Null()]), slotId: Id, reason: Type.String() })),
          }),
          ...problems(404),
        },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await notifyMatches(deps, caller, request.body.slotIds);
      if (!result.ok) return sendProblem(reply, result);
      const notifications = [];
      for (const o of result.value.offers) notifications.push(await one(caller.clinicId, o));
      return { notifications, skipped: result.value.skipped };
    },
  );

  app.post(
    "/api/booking/waitlist/:id/book",
    {
      onRequest: guard,
      schema: {
        operationId: "bookWaitlistEntry",
        summary: "Book a waitlist entry into a slot",
        description: "The same claim as an accepted offer; 409 `slot_filled` comes with `alternatives`.",
        tags,
        params: IdParams,
        body: Type.Object({ slotId: Id }, { additionalProperties: false }),
        response: { 201: Type.Object({ appointment: AppointmentJson }), ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      const result = await bookFromWaitlist(deps, callerOf(request), request.params.id, request.body.slotId);
      return sendResult(reply, result, 201, (a) => ({ appointment: appointmentJson(a) }));
    },
  );

  app.get(
    "/api/booking/waitlist/notifications",
    {
      onRequest: guard,
      schema: {
        operationId: "listNotifications",
        summary: "List notifications (offers), by status, entry or slot",
        tags,
        querystring: Type.Object({ status: Type.Optional(Enum(OFFER_STATUSES)), entryId: Type.Optional(Id), slotId: Type.Optional(Id), ...ListQuery }),
        response: { 200: ListOf(NotificationJson), ...problems() },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = { status: q.status as OfferStatus | undefined, entryId: q.entryId, openingId: q.slotId };
      return listOf(await listNotifications(deps, callerOf(request), filter, pageRequest(q)), notificationJson);
    },
  );

  app.put(
    "/api/booking/waitlist/notifications/:id/response",
    {
      onRequest: guard,
      schema: {
        operationId: "respondToNotification",
        summary: "Record the patient's answer to a notification",
        description: "`ACCEPTED` books atomically (409 `slot_filled` if the slot is gone).",
        tags,
        params: IdParams,
        body: Type.Object({ response: Type.Union([Type.Literal("ACCEPTED"), Type.Literal("DECLINED")]) }, { additionalProperties: false }),
        response: { 200: NotificationJson, ...problems(404, 409, 410) },
      },
    },
    async (request, reply) => {
      const caller = callerOf(request);
      const result = await recordResponse(deps, caller, request.params.id, request.body.response);
      if (!result.ok) return sendProblem(reply, result);
      return one(caller.clinicId, result.value.offer);
    },
  );

  app.get(
    "/api/booking/waitlist/analytics/conversion",
    {
      onRequest: requireKey(deps, "booking:view_analytics"),
      schema: {
        operationId: "getConversionAnalytics",
        summary: "Read conversion analytics",
        description: "Offers → bookings by channel, fill rate, time to fill and revenue recovered (default: the last 30 days).",
        tags,

        querystring: Type.Object({ from: Type.Optional(Instant), to: Type.Optional(Instant) }),
        response: { 200: Type.Object({}, { additionalProperties: true }), ...problems() },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const result = await conversion(deps, callerOf(request), { from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined });
      return sendResult(reply, result, 200, (v) => v);
    },
  );
}
