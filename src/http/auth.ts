// Authentication hooks: `Authorization: Bearer <apiKey>` scoped to one clinic, or the admin token.
import type { FastifyRequest } from "fastify";
import type { Permission } from "../core/permissions.ts";
import { authenticateApiKey, isAdminToken, type KeyCaller } from "../flows/authenticate.ts";
import type { Deps } from "../flows/deps.ts";
import { ProblemError } from "./problem.ts";

declare module "fastify" {
  interface FastifyRequest {
    caller: KeyCaller | null;
  }
}

export function bearer(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (!header) return null;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return m ? m[1]! : null;
}

const unauthorized = (detail: string) => new ProblemError({ ok: false, code: "unauthorized", detail });

/**
 * An onRequest hook that admits a clinic's API key carrying `permission` (any key when undefined).
 * Routes use it as `onRequest`, so it runs before the body is parsed and validated: without a valid key
 * the answer is 401 (and without the permission 403), whatever the body or the ids in the path.
 */
export function requireKey(deps: Deps, permission?: Permission) {
  return async (request: FastifyRequest) => {
    const token = bearer(request);
    if (!token) throw unauthorized("missing Authorization: Bearer <apiKey>");
    const caller = await authenticateApiKey(deps, token);
    if (!caller) throw unauthorized("invalid or revoked API key");
    if (permission && !caller.permissions.includes(permission)) {
      throw new ProblemError({ ok: false, code: "forbidden", detail: `this key lacks the ${permission} permission` });
    }
    request.caller = caller;
  };
}

export function requireAdmin(deps: Deps) {
  return async (request: FastifyRequest) => {
    const token = bearer(request);
    if (!token) throw unauthorized("missing Authorization: Bearer <admin token>");
    if (!(await isAdminToken(deps, token))) throw unauthorized("invalid admin token");
  };
}

/** The authenticated caller of a route guarded by requireKey. */
export function callerOf(request: FastifyRequest): KeyCaller {
  if (!request.caller) throw new Error("route is missing its requireKey guard");
  return request.caller;
}

/** Dev routes: the admin token (every clinic) or any clinic's key (that clinic only). */
export function requireKeyOrAdmin(deps: Deps) {
  const key = requireKey(deps);
  return async (request: FastifyRequest) => {
    const token = bearer(request);
    if (token && (await isAdminToken(deps, token))) {
      request.caller = null;
      return;
    }
    await key(request);
  };
}
