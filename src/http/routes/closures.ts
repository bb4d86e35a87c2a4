// Closures (`booking:manage_schedule`): the whole clinic or one provider is closed for a time; openings
// inside an active closure are never offered.
import { Type } from "typebox";
import { addClosure, listClosuresOf, removeClosure, type Closure } from "../../flows/closures.ts";
import type { Deps } from "../../flows/deps.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { AppointmentJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { Id, IdParams, Instant, ListOf, ListQuery, Nullable, problems, Text } from "../schemas.ts";
import { appointmentJson } from "../../flows/resource-json.ts";

const ClosureJson = Type.Object(
  {
    id: Id,
    providerId: Nullable(Id),
    start: Instant,
    end: Instant,
    reason: Type.String(),
    createdAt: Instant,
    deletedAt: Nullable(Instant),
  },
  { additionalProperties: true },
);

const closureJson = (c: Closure) => ({
  id: c.id,
  providerId: c.providerId,
  start: c.start.toISOString(),
  end: c.end.toISOString(),
  reason: c.reason,
  createdAt: c.createdAt.toISOString(),
  deletedAt: c.deletedAt ? c.deletedAt.toISOString() : null,
});

export function closureRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_schedule");
  const tags = ["closures"];

  app.post(
    "/api/booking/closures",
    {
      onRequest: guard,
      schema: {
        operationId: "createClosure",
        summary: "Close the clinic or one provider for a time",
        description: "Open openings inside it are closed, and the appointments inside it are listed. Openings inside a closure are never offered.",
        tags,
        body: Type.Object({ start: Instant, end: Instant, reason: Text(500), providerId: Type.Optional(Nullable(Id)) }, { additionalProperties: false }),
        response: { 201: Type.Object({ closure: ClosureJson, affectedAppointments: Type.Array(AppointmentJson) }), ...problems(404) },
      },
    },
    async (request, reply) => {
      const b = request.body;
      const result = await addClosure(deps, callerOf(request), { ...b, start: new Date(b.start), end: new Date(b.end) });
      return sendResult(reply, result, 201, (v) => ({ closure: closureJson(v.closure), affectedAppointments: v.affectedAppointments.map(appointmentJson) }));
    },
  );

  app.get(
    "/api/booking/closures",
    {
      onRequest: guard,
      schema: {
        operationId: "listClosures",
        summary: "List closures, by time",
        tags,
        querystring: Type.Object({ from: Type.Optional(Instant), to: Type.Optional(Instant), ...ListQuery }),
        response: { 200: ListOf(ClosureJson), ...problems() },
      },
    },
    async (request) => {
      const q = request.query;
      const filter = { from: q.from ? new Date(q.from) : undefined, to: q.to ? new Date(q.to) : undefined };
      return listOf(await listClosuresOf(deps, callerOf(request), filter, pageRequest(q)), closureJson);
    },
  );

  app.delete(
    "/api/booking/closures/:id",
    {
      onRequest: guard,
      schema: {
        operationId: "deleteClosure",
        tags,
        summary: "Remove a closure (kept, marked deleted)",
        params: IdParams,
        response: { 200: ClosureJson, ...problems(404) },
      },
    },
    async (request, reply) => sendResult(reply, await removeClosure(deps, callerOf(request), request.params.id), 200, closureJson),
  );
}
