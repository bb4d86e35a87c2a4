// Charges (`booking:manage_schedule`): GET /api/booking/patients/:id/charges lists fees and deposits.
import { Type } from "typebox";
import type { Deps } from "../../flows/deps.ts";
import { listChargesOf, type Charge } from "../../flows/list-charges.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { sendResult } from "../problem.ts";
import { Id, IdParams, Instant, Nullable, problems } from "../schemas.ts";

export const ChargeJson = Type.Object(
  {
    id: Id,
    patientId: Id,
    appointmentId: Id,
    kind: Type.Union([Type.Literal("CANCELLATION_FEE"), Type.Literal("DEPOSIT"), Type.Literal("PREPAYMENT")]),
    amountCents: Type.Integer(),
    status: Type.Union(["PENDING", "CHARGED", "WAIVED", "AUTHORIZED", "REFUNDED"].map((s) => Type.Literal(s))),
    reason: Type.String(),
    dueAt: Instant,
    failureNote: Type.Optional(Nullable(Type.String({ description: "why the last attempt to take a fee was declined" }))),
    createdAt: Instant,
    updatedAt: Instant,
  },
  { additionalProperties: true },
);

export const chargeJson = (c: Charge) => ({
  id: c.id,
  patientId: c.patientId,
  appointmentId: c.appointmentId,
  kind: c.kind,
  amountCents: c.amountCents,
  status: c.status,
  reason: c.reason,
  dueAt: c.dueAt.toISOString(),
  failureNote: c.failureNote,
  createdAt: c.createdAt.toISOString(),
  updatedAt: c.updatedAt.toISOString(),
});

export function chargeRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_schedule");
  app.get(
    "/api/booking/patients/:id/charges",
    {
      onRequest: guard,
      schema: {
        operationId: "listPatientCharges",
        summary: "List a patient's fees and deposits",
        description:
          "Cancellation fees (PENDING until the slot starts, then CHARGED; WAIVED when the time is refilled), deposits (AUTHORIZED) and prepayments (CHARGED).",
        tags: ["patients"],

        params: IdParams,
        response: { 200: Type.Object({ items: Type.Array(ChargeJson) }), ...problems(404) },
      },
    },
    async (request, reply) =>
      sendResult(reply, await listChargesOf(deps, callerOf(request), request.params.id), 200, (items) => ({ items: items.map(chargeJson) })),
  );
}
