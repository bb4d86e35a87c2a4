// Expected failures are data: `{ ok: false, code }`. `throw` is for bugs and infrastructure.
import type { ErrorCode } from "./errors.ts";

export interface FieldError {
  /** JSON pointer to the bad field in the request, e.g. "/windows/0/start". */
  path: string;
  message: string;
}

export interface Failure {
  ok: false;
  code: ErrorCode;
  detail: string;
  errors?: FieldError[];
  /** Extra members of the problem document (e.g. `alternatives`). */
  extra?: Record<string, unknown>;
}

export type Result<T> = { ok: true; value: T } | Failure;

export function ok<T>(value: T): { ok: true; value: T } {
  return { ok: true, value };
}

export function fail(code: ErrorCode, detail: string, more: Omit<Failure, "ok" | "code" | "detail"> = {}): Failure {
  return { ok: false, code, detail, ...more };
}

export function invalid(errors: FieldError[], detail?: string): Failure {
  return fail("validation_failed", detail ?? errors.map((e) => `${e.path}: ${e.message}`).join("; "), { errors });
}

export function notFound(what: string, path?: string): Failure {
  return fail("not_found", `${what} not found`, path ? { errors: [{ path, message: `no such ${what}` }] } : {});
}
