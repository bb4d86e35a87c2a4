// Manual outreach (`booking:manage_waitlist`): when every channel failed for an offer, staff call.
import { Type } from "typebox";
import { completeOutreach, listOutreach } from "../../flows/complete-outreach.ts";
import { taskJson } from "../../flows/resource-json.ts";
import type { Deps } from "../../flows/deps.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { sendResult } from "../problem.ts";
import { Id, IdParams, Instant, ListOf, ListQuery, Nullable, problems, Text } from "../schemas.ts";

const TaskJson = Type.Object(
  {
    id: Id,
    notificationId: Nullable(Id),
    patientId: Id,
    deadline: Instant,
    priority: Type.String(),
    status: Type.String(),
    outcome: Nullable(Type.String()),
    notes: Nullable(Type.String()),
    createdAt: Instant,
    completedAt: Nullable(Instant),
  },
  { additionalProperties: true },
);

export function outreachRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_waitlist");
  const tags = ["outreach"];

  app.get(
    "/api/booking/outreach-tasks",
    {
      onRequest: guard,
      schema: {
        operationId: "listOutreachTasks",
        summary: "List staff outreach tasks",
        description: "A task is made (deadline 1 h, high priority) when every channel failed for an offer.",
        tags,
        querystring: Type.Object({ status: Type.Optional(Type.Union([Type.Literal("OPEN"), Type.Literal("DONE")])), ...ListQuery }),
        response: { 200: ListOf(TaskJson), ...problems() },
      },
    },
    async (request) => listOf(await listOutreach(deps, callerOf(request), request.query.status, pageRequest(request.query)), taskJson),
  );

  app.post(
    "/api/booking/outreach-tasks/:id/complete",
    {
      onRequest: guard,
      schema: {
        operationId: "completeOutreachTask",
        summary: "Close an outreach task with its outcome",
        description: "`BOOKED` books the offer (the same claim), `DECLINED` declines it, `NO_ANSWER` marks the entry UNREACHABLE.",
        tags,

        params: IdParams,
        body: Type.Object(
          {
            outcome: Type.Union([Type.Literal("BOOKED"), Type.Literal("DECLINED"), Type.Literal("NO_ANSWER")]),
            note: Type.Optional(Text(2000)),
          },
          { additionalProperties: false },
        ),
        response: { 200: TaskJson, ...problems(404, 409, 410) },
      },
    },
    async (request, reply) => sendResult(reply, await completeOutreach(deps, callerOf(request), request.params.id, request.body), 200, taskJson),
  );
}
