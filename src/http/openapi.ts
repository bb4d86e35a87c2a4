// Finishing touches on the generated OpenAPI document, in one place rather than on every route.

// Only the parts read here (fastify-swagger's own document types are a union of three OpenAPI versions).
type Response = { description?: string; content?: Record<string, unknown> };
type Paths = Record<string, Record<string, { responses?: Record<string, Response | { $ref: string }> } | undefined> | undefined>;

// What each status means across this API (API.md "Conventions"); a route's own description wins.
const MEANING: Record<string, string> = {
  200: "OK",
  201: "Created",
  202: "Accepted",
  204: "No content",
  400: "Bad request",
  401: "Missing or invalid credential (problem code unauthorized)",
  403: "The credential lacks the permission, or a provider signature is bad (forbidden)",
  404: "No such record, or it belongs to another clinic (not_found)",
  409: "Refused by the record's state (conflict, slot_filled, max_notifications_reached, …)",
  410: "Gone: the hold or link ran out (offer_expired, signup_expired)",
  422: "Bad input: `errors` names every bad field (validation_failed, no_reachable_channel)",
  429: "Too many requests (rate_limited)",
  503: "Not ready",
};

/**
 * Every error this app answers is RFC 9457 problem+json (problem.ts), so error responses are documented with
 * that media type; fastify-swagger's placeholder "Default Response" becomes what the status means here.
 */
export function finishDocument<T extends object>(doc: T): T {
  const paths = (doc as { paths?: Paths }).paths ?? {};
  for (const item of Object.values(paths)) {
    for (const method of OPERATION_KEYS) {
      const operation = item?.[method];
      if (!operation) continue;
      for (const [status, response] of Object.entries(operation.responses ?? {})) {
        if ("$ref" in response) continue;
        if (response.description === "Default Response") response.description = MEANING[status] ?? response.description;
        const json = response.content?.["application/json"];
        if (Number(status) >= 400 && json && response.content) {
          response.content = { "application/problem+json": json };
        }
      }
    }
  }
  return doc;
}

const OPERATION_KEYS = ["get", "put", "post", "delete", "options", "head", "patch", "trace"] as const;
