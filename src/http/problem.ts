// The one table from error codes to HTTP statuses, and the problem+json (RFC 9457) documents.
import type { FastifyError, FastifyReply, FastifyRequest } from "fastify";
import type { ErrorCode } from "../core/errors.ts";
import type { Failure, FieldError, Result } from "../core/result.ts";
import type { Logger } from "../flows/deps.ts";

export const STATUS_OF: Record<ErrorCode, number> = {
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  validation_failed: 422,
  conflict: 409,
  slot_filled: 409,
  offer_expired: 410,
  offer_closed: 409,
  max_notifications_reached: 409,
  no_reachable_channel: 422,
  quiet_hours: 409,
  rate_limited: 429,
};

const TITLES: Record<ErrorCode, string> = {
  unauthorized: "Unauthorized",
  forbidden: "Forbidden",
  not_found: "Not found",
  validation_failed: "Validation failed",
  conflict: "Conflict",
  slot_filled: "Slot already filled",
  offer_expired: "Offer expired",
  offer_closed: "Offer closed",
  max_notifications_reached: "Maximum notifications reached",
  no_reachable_channel: "No reachable channel",
  quiet_hours: "Quiet hours",
  rate_limited: "Too many requests",
};

/** A failure thrown from a hook (auth) to be answered as a problem. */
export class ProblemError extends Error {
  constructor(readonly failure: Failure) {
    super(failure.detail);
  }
}

export function problemOf(f: Failure, status = STATUS_OF[f.code]): Record<string, unknown> {
  return {
    ...f.extra,
    type: `urn:backfill:problem:${f.code}`,
    title: TITLES[f.code],
    status,
    detail: f.detail,
    code: f.code,
    ...(f.errors ? { errors: f.errors } : {}),
  };
}

export function sendProblem(reply: FastifyReply, f: Failure, status = STATUS_OF[f.code]): FastifyReply {
  return reply.code(status).type("application/problem+json").send(problemOf(f, status));
}

/** Sends `map(value)` with `status`, or the failure as a problem. */
export function sendResult<T>(reply: FastifyReply, result: Result<T>, status: number, map: (v: T) => unknown): FastifyReply {
  return result.ok ? reply.code(status).send(map(result.value)) : sendProblem(reply, result);
}

/** A member name as a JSON pointer token (RFC 6901: "~" is "~0", "/" is "~1"). */
const token = (name: unknown) => String(name).replaceAll("~", "~0").replaceAll("/", "~1");

export function validationErrors(err: FastifyError): FieldError[] {
  const where = err.validationContext;
  return (err.validation ?? []).map((v) => {
    const params = v.params as Record<string, unknown>;
    const pointer =
      v.keyword === "required"
        ? `${v.instancePath}/${token(params.missingProperty)}`
        : v.keyword === "additionalProperties"
          ? `${v.instancePath}/${token(params.additionalProperty)}`
          : v.instancePath || "";
    const message = v.keyword === "required" ? "is required" : v.keyword === "additionalProperties" ? "is not allowed" : (v.message ?? "is invalid");
    return { path: where === "body" ? pointer || "/" : `${where}${pointer}`, message };
  });
}

/** Every error the framework raises becomes a problem; 5xx details stay in the log, never the answer. */
export function errorHandler(log: Logger) {
  return (err: FastifyError, request: FastifyRequest, reply: FastifyReply) => {
    if (err instanceof ProblemError) return sendProblem(reply, err.failure);
    if (err.validation) {
      if (err.validationContext === "params") return sendProblem(reply, { ok: false, code: "not_found", detail: "not found" });
      const errors = validationErrors(err);
      return sendProblem(reply, { ok: false, code: "validation_failed", detail: errors.map((e) => `${e.path}: ${e.message}`).join("; "), errors });
    }
    const status = err.statusCode ?? 500;
    if (status === 429) return sendProblem(reply, { ok: false, code: "rate_limited", detail: "too many requests; slow down" });
    if (status === 401) return sendProblem(reply, { ok: false, code: "unauthorized", detail: err.message });
    if (status === 404) return sendProblem(reply, { ok: false, code: "not_found", detail: "not found" });
    if (status >= 400 && status < 500) {
      return sendProblem(reply, { ok: false, code: "validation_failed", detail: err.message, errors: [{ path: "/", message: err.message }] }, status);
    }
    // Log the error's code and message, never its detail: Postgres puts row values (phones, names) there.
    log.error({ reqId: request.id, err: { code: (err as { code?: string }).code, message: err.message, stack: err.stack } }, "request failed");
    return reply.code(500).type("application/problem+json").send({
      type: "urn:backfill:problem:internal",
      title: "Internal error",
      status: 500,
      detail: "something went wrong on our side; it has been logged",
      code: "internal",
    });
  };
}
