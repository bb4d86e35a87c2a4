// The answer of every `PUT /api/booking/<kind>/external/:externalId` (sync by external id): 201 when the
// record was created, 200 when updated or unchanged, and the outcome in the `Backfill-Sync` header (the CSV
// importer counts created/updated/unchanged from it). Failures are problems as everywhere.
import type { FastifyReply } from "fastify";
import type { TSchema } from "typebox";
import type { Result } from "../core/result.ts";
import type { Synced } from "../flows/sync.ts";
import { sendProblem } from "./problem.ts";
import { problems } from "./schemas.ts";

export const SYNC_HEADER = "Backfill-Sync";

/** The part of each sync operation's description that documents the header and `dryRun`. */
export const SYNC_DESCRIPTION =
  "Creates (201) or updates (200) the record the clinic's system knows by `externalId`, with the full representation (as `POST`): " +
  "optional fields left out take their defaults. The same body again answers 200 and writes nothing (no audit row, no event). " +
  "The response header `Backfill-Sync` says what happened: `created`, `updated` or `unchanged`. " +
  "With `?dryRun=true` the request is checked and answered the same way (status, header, body) but nothing is written. " +
  "A body `externalId` must equal the path's (422 otherwise).";

/** Response schemas of a sync operation: the record's JSON for 200 and 201, and the problems. */
export function syncResponses(json: TSchema, ...statuses: number[]): Record<number, TSchema> {
  return { 200: json, 201: json, ...problems(404, 409, ...statuses) };
}

export function sendSynced<T>(reply: FastifyReply, result: Result<Synced<T>>, toJson: (v: T) => unknown): FastifyReply {
  if (!result.ok) return sendProblem(reply, result);
  return reply
    .code(result.value.outcome === "created" ? 201 : 200)
    .header(SYNC_HEADER, result.value.outcome)
    .send(toJson(result.value.value));
}
