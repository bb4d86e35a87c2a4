// Bodies whose references may name a record by id or by external id (`patientId` or `patientExternalId`):
// the schema cannot say "one of the two is required" in a way that names the field, so the route checks
// it beside the schema and one 422 names every bad field, the missing references among them.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import { invalid, type FieldError } from "../core/result.ts";
import { externalFieldOf, type RefKey } from "../flows/references.ts";
import { sendProblem, validationErrors } from "./problem.ts";

/** The references in `required` a body names in neither form. */
export function missingRefs(body: unknown, required: readonly RefKey[]): FieldError[] {
  if (typeof body !== "object" || body === null || Array.isArray(body)) return [];
  const b = body as Record<string, unknown>;
  return required.filter((key) => b[key] === undefined && b[externalFieldOf(key)] === undefined).map((key) => ({ path: `/${key}`, message: "is required" }));
}

/**
 * Route options: the schema's errors (attached, not thrown) answered together with the missing required
 * references. Errors outside the body (params, query) go to the error handler as usual.
 */
export function requiringRefs(required: readonly RefKey[]) {
  return {
    attachValidation: true,
    preHandler: async (request: FastifyRequest, reply: FastifyReply) => {
      const err = request.validationError as FastifyError | undefined;
      if (!err) return;
      if (err.validationContext !== "body") throw err;
      return sendProblem(reply, invalid([...validationErrors(err), ...missingRefs(request.body, required)]));
    },
  };
}
