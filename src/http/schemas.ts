// Shared TypeBox schemas: the shapes of API.md, validated on the way in and documented in OpenAPI.
import { Type, type TSchema } from "typebox";

// The canonical 8-4-4-4-12 form only: the uuid format alone also admits "urn:uuid:…", which PostgreSQL refuses.
export const Id = Type.String({ format: "uuid", pattern: "^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$" });
export const Instant = Type.String({ format: "date-time", description: "ISO 8601 instant with offset" });
export const TimeOfDay = Type.String({ pattern: "^([01][0-9]|2[0-3]):[0-5][0-9]$", description: "HH:MM" });
export const CalendarDate = Type.String({ format: "date", description: "YYYY-MM-DD" });
// PostgreSQL text cannot hold NUL, so no free text may contain it; a name also needs a visible character.
const NO_NUL = "^[^\\u0000]*$";
export const Text = (maxLength: number) => Type.String({ maxLength, pattern: NO_NUL });
export const Name = Type.String({ minLength: 1, maxLength: 200, pattern: "^[^\\u0000]*[^\\s\\u0000][^\\u0000]*$" });
export const Channel = Type.Union([Type.Literal("SMS"), Type.Literal("EMAIL"), Type.Literal("VOICE"), Type.Literal("PUSH"), Type.Literal("MANUAL")]);

export const Nullable = <T extends TSchema>(t: T) => Type.Union([t, Type.Null()]);
export const Enum = <const T extends readonly string[]>(values: T) => Type.Union(values.map((v) => Type.Literal(v)) as never) as TSchema;

export const IdParams = Type.Object({ id: Id });

/** The clinic's own system's id for a record (API.md "External ids"): 1–128 characters, no NUL. */
export const ExternalId = Type.String({ minLength: 1, maxLength: 128, pattern: NO_NUL });
export const ExternalIdParams = Type.Object({ externalId: ExternalId });
/** `?dryRun=true`: answer as the sync would, with the `Backfill-Sync` outcome, and write nothing. */
export const SyncQuery = Type.Object({
  dryRun: Type.Optional(Type.Boolean({ description: "true: validate and answer the outcome, but write nothing (rolled back)" })),
});

export const ListQuery = {
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 200, default: 50 })),
  cursor: Type.Optional(Type.String({ maxLength: 500 })),
};

export const ListOf = <T extends TSchema>(item: T) => Type.Object({ items: Type.Array(item), nextCursor: Nullable(Type.String()) });

export const Problem = Type.Object(
  {
    type: Type.String(),
    title: Type.String(),
    status: Type.Integer(),
    detail: Type.String(),
    code: Type.String(),
    errors: Type.Optional(Type.Array(Type.Object({ path: Type.String(), message: Type.String() }))),
  },
  { additionalProperties: true },
);

/** Response schemas for the errors a route may answer, so they appear in OpenAPI. */
export function problems(...statuses: number[]): Record<number, TSchema> {
  return Object.fromEntries([401, 403, 422, 429, ...statuses].map((s) => [s, Problem]));
}

export const Window = Type.Object(
  {
    weekdays: Type.Array(Type.Integer({ minimum: 1, maximum: 7 }), { minItems: 1, maxItems: 7 }),
    start: TimeOfDay,
    end: TimeOfDay,
  },
  { additionalProperties: false },
);
