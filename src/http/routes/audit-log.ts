// The audit log (`clinic:admin`): every state change of the clinic's records, newest first, with who
// made it and before/after without patient contact details (API.md "Audit log").
import { Type } from "typebox";
import { AUDIT_ENTITY_TYPES } from "../../core/audit.ts";
import type { Deps } from "../../flows/deps.ts";
import { type AuditItem, viewAuditLog } from "../../flows/view-audit-log.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { sendResult } from "../problem.ts";
import { Enum, Id, Instant, ListOf, ListQuery, Nullable, problems } from "../schemas.ts";

const ActorJson = Type.Object(
  {
    type: Type.Union([Type.Literal("staff"), Type.Literal("api_key"), Type.Literal("patient"), Type.Literal("system"), Type.Literal("provider")]),
    id: Nullable(Type.String()),
    via: Type.Optional(Type.String()),
  },
  { additionalProperties: false },
);

const AuditJson = Type.Object(
  {
    id: Type.String(),
    at: Instant,
    actor: ActorJson,
    action: Type.String(),
    entityType: Type.String(),
    entityId: Nullable(Id),
    before: Type.Unknown(),
    after: Type.Unknown(),
  },
  { additionalProperties: false },
);

const auditJson = (i: AuditItem) => ({ ...i, at: i.at.toISOString() });

export function auditLogRoutes(app: App, deps: Deps) {
  app.get(
    "/api/booking/audit-log",
    {
      onRequest: requireKey(deps, "clinic:admin"),
      schema: {
        operationId: "listAuditLog",
        summary: "List the audit log, newest first",
        description:
          "Every state change of the clinic's records. `actor.type`: staff (a dashboard login), api_key, patient (`via` says how: sms, voice, link, payment, reschedule_link), system (sweeps, first-run setup, the admin token), provider (a channel provider's callback). Names, phones, emails and message texts in `before`/`after` read `[redacted]`.",
        tags: ["audit"],
        querystring: Type.Object(
          {
            entityType: Type.Optional(Enum(AUDIT_ENTITY_TYPES)),
            entityId: Type.Optional(Id),
            action: Type.Optional(Type.String({ pattern: "^[a-z_]+(\\.[a-z_]+)*$", maxLength: 80 })),
            from: Type.Optional(Instant),
            to: Type.Optional(Instant),
            ...ListQuery,
          },
          { additionalProperties: false },
        ),
        response: { 200: ListOf(AuditJson), ...problems() },
      },
    },
    async (request, reply) => {
      const q = request.query;
      const filter = {
        entityType: q.entityType as string | undefined,
        entityId: q.entityId,
        action: q.action,
        from: q.from ? new Date(q.from) : undefined,
        to: q.to ? new Date(q.to) : undefined,
      };
      const result = await viewAuditLog(deps, callerOf(request), filter, pageRequest(q));
      return sendResult(reply, result, 200, (page) => listOf(page, auditJson));
    },
  );
}
