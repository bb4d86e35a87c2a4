// Openings (API: slots) (`booking:manage_schedule`).
import { Type } from "typebox";
import { OPENING_STATUSES, type OpeningStatus } from "../../core/types.ts";
import type { Deps } from "../../flows/deps.ts";
import { listOpeningsOf } from "../../flows/look-up.ts";
import { openingWithOffers } from "../../flows/view-notifications.ts";
import { openSlot } from "../../flows/open-slot.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { NotificationJson, OpeningJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { Enum, Id, IdParams, Instant, ListOf, ListQuery, Nullable, problems } from "../schemas.ts";
import { notificationJson, openingJson } from "../../flows/resource-json.ts";

export function openingRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_schedule");
  const tags = ["openings"];

  app.post(
    "/api/booking/openings",
    {
      onRequest: guard,
      schema: {
        operationId: "createOpening",
        summary: "Open a new slot",
        description: "The opening has `source: NEW_SLOT`; the waitlist flow starts on its own.",
        tags,
        body: Type.Object({ providerId: Id, chairId: Type.Optional(Nullable(Id)), start: Instant, end: Instant }, { additionalProperties: false }),
        response: { 201: OpeningJson, ...problems(404, 409) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await openSlot(deps, callerOf(request), { ...b, start: new Date(b.start), end: new Date(b.end) });
      return sendResult(reply, result, 201, openingJson);
    },
  );

  app.get(
    "/api/booking/openings",
    {
      onRequest: guard,
      schema: {
        operationId: "listOpenings",
        summary: "List openings, by status or time",
        tags,
        querystring: Type.Object({
          status: Type.Optional(Enum(OPENING_STATUSES)),
          from: Type.Optional(Instant),
          to: Type.Optional(Instant),
          ...ListQuery,
        }),
        response: { 200: ListOf(OpeningJson), ...problems() },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = {
        status: q.status as OpeningStatus | undefined,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      };
      return listOf(await listOpeningsOf(deps, callerOf(request), filter, pageRequest(q)), openingJson);
    },
  );

  app.get(
    "/api/booking/openings/:id",
    {
      onRequest: guard,
      schema: {
        operationId: "getOpening",
        summary: "Read an opening with its offers",
        description: "The offers (notifications) come with their delivery trails.",
        tags,

        params: IdParams,
        response: { 200: Type.Object({ ...OpeningJson.properties, offers: Type.Array(NotificationJson) }, { additionalProperties: true }), ...problems(404) },
      },
    },
    async (request, reply) =>
      sendResult(reply, await openingWithOffers(deps, callerOf(request), request.params.id), 200, (v) => ({
        ...openingJson(v.opening),
        offers: v.offers.map(notificationJson),
      })),
  );
}
