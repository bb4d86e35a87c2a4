// Opaque list cursors: base64url of the last item's (sort key, id).
import type { FieldError } from "../core/result.ts";
import type { Page, PageRequest } from "../core/page.ts";
import { ProblemError } from "./problem.ts";

export function pageRequest(query: { limit?: number; cursor?: string }): PageRequest {
  return { limit: query.limit ?? 50, after: query.cursor ? decodeCursor(query.cursor) : null };
}

function decodeCursor(cursor: string): { key: string; id: string } {
  try {
    const [key, id] = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (typeof key === "string" && !Number.isNaN(Date.parse(key)) && typeof id === "string" && /^[0-9a-f-]{36}$/i.test(id)) {
      return { key, id };
    }
  } catch {
    // falls through to the 422 below
  }
  const errors: FieldError[] = [{ path: "querystring/cursor", message: "is not a cursor this API returned" }];
  throw new ProblemError({ ok: false, code: "validation_failed", detail: "querystring/cursor: invalid cursor", errors });
}

export function listOf<T, U>(page: Page<T>, map: (item: T) => U): { items: U[]; nextCursor: string | null } {
  return {
    items: page.items.map(map),
    nextCursor: page.next ? Buffer.from(JSON.stringify([page.next.key, page.next.id])).toString("base64url") : null,
  };
}
