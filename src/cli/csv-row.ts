// `backfill import`: one CSV row → the JSON body of a sync `PUT` (pure: no IO). The columns' types come from
// the server's own OpenAPI document (the PUT's request body schema), so the file follows the API as it is
// deployed: integers and booleans are parsed, lists are `;`-separated, an empty cell leaves the field out.
// `windows` (waitlist) is written `Mon-Fri 08:00-12:00;Sat 09:00-13:00` (days by name or ISO number 1–7,
// single days, comma lists and ranges, a range may wrap: `Fri-Mon`).

export type ColumnType = "string" | "integer" | "number" | "boolean" | "list" | "integerList" | "windows";

/** What the importer needs to know of a body schema: each field's type, and the required ones. */
export interface RowSchema {
  fields: Record<string, ColumnType>;
  required: string[];
}

/** A cell (or a whole row) the importer refuses; `column` is a header name, "" for the row as a whole. */
export interface Refusal {
  column: string;
  reason: string;
}

export interface Window {
  weekdays: number[];
  start: string;
  end: string;
}

type Json = Record<string, unknown>;
const isObject = (x: unknown): x is Json => typeof x === "object" && x !== null && !Array.isArray(x);

/** `{ type: "null" }`, or OpenAPI 3.0's rendering of it: `{ type: "object", nullable: true, enum: [null] }`. */
const isNullSchema = (s: unknown) => isObject(s) && (s.type === "null" || (Array.isArray(s.enum) && s.enum.length === 1 && s.enum[0] === null));

/** The column type a JSON schema (as OpenAPI 3.0 writes it: `nullable`, `anyOf` of enums) stands for; null: no CSV form. */
export function columnTypeOf(schema: unknown): ColumnType | null {
  if (!isObject(schema)) return null;
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) {
    const options = ((schema.anyOf ?? schema.oneOf) as unknown[]).filter((s) => !isNullSchema(s));
    const types = new Set(options.map(columnTypeOf));
    return types.size === 1 ? [...types][0]! : null;
  }
  switch (schema.type) {
    case "string":
    case "integer":
    case "number":
    case "boolean":
      return schema.type;
    case "array": {
      const items = schema.items;
      if (isObject(items) && isObject(items.properties) && ["weekdays", "start", "end"].every((k) => k in (items.properties as Json))) return "windows";
      const item = columnTypeOf(items);
      return item === "string" ? "list" : item === "integer" ? "integerList" : null;
    }
    default:
      return null;
  }
}

/** The RowSchema of a request body schema; fields without a CSV form are left out (a column naming one is refused). */
export function rowSchemaOf(schema: unknown): RowSchema {
  const properties = isObject(schema) && isObject(schema.properties) ? schema.properties : {};
  const fields: Record<string, ColumnType> = {};
  for (const [name, s] of Object.entries(properties)) {
    const type = columnTypeOf(s);
    if (type) fields[name] = type;
  }
  const required = isObject(schema) && Array.isArray(schema.required) ? schema.required.filter((r): r is string => typeof r === "string") : [];
  return { fields, required };
}

/** The header row's problems (unknown, duplicate or missing columns), each a sentence; empty when it is usable. */
export function headerProblems(header: string[], schema: RowSchema): string[] {
  const problems: string[] = [];
  const seen = new Set<string>();
  header.forEach((name, i) => {
    if (name === "") problems.push(`column ${i + 1} has no name`);
    else if (seen.has(name)) problems.push(`column "${name}" appears twice`);
    else if (!(name in schema.fields)) problems.push(`unknown column "${name}"`);
    seen.add(name);
  });
  for (const name of ["externalId", ...schema.required]) {
    if (!seen.has(name)) problems.push(`missing column "${name}"`);
  }
  return problems;
}

export type Converted = { ok: true; externalId: string; body: Json } | { ok: false; externalId: string; refusals: Refusal[] };

/** A data row (cells in header order, already read by the CSV parser) as the PUT body, or why not. */
export function rowToBody(header: string[], cells: string[], schema: RowSchema): Converted {
  const externalId = (cells[header.indexOf("externalId")] ?? "").trim();
  if (cells.length !== header.length) {
    return { ok: false, externalId, refusals: [{ column: "", reason: `has ${cells.length} cells, the header has ${header.length}` }] };
  }
  const body: Json = {};
  const refusals: Refusal[] = [];
  header.forEach((column, i) => {
    const text = (cells[i] ?? "").trim();
    if (text === "") return; // an empty cell: the field is absent
    const cell = cellValue(schema.fields[column] ?? "string", text);
    if ("refused" in cell) refusals.push({ column, reason: cell.refused });
    else body[column] = cell.value;
  });
  if (externalId === "") refusals.unshift({ column: "externalId", reason: "is required" });
  return refusals.length > 0 ? { ok: false, externalId, refusals } : { ok: true, externalId, body };
}

const BOOLEANS = new Map([
  ["true", true],
  ["yes", true],
  ["1", true],
  ["false", false],
  ["no", false],
  ["0", false],
]);

type Cell = { value: unknown } | { refused: string };

function cellValue(type: ColumnType, text: string): Cell {
  const refused = (reason: string): Cell => ({ refused: reason });
  switch (type) {
    case "string":
      return { value: text };
    case "integer":
      return /^[+-]?\d+$/.test(text) && Number.isSafeInteger(Number(text)) ? { value: Number(text) } : refused("must be a whole number");
    case "number":
      return /^[+-]?(\d+(\.\d*)?|\.\d+)$/.test(text) ? { value: Number(text) } : refused("must be a number");
    case "boolean": {
      const value = BOOLEANS.get(text.toLowerCase());
      return value === undefined ? refused("must be true or false (or yes/no, 1/0)") : { value };
    }
    case "list":
      return { value: listOf(text) };
    case "integerList": {
      const items = listOf(text);
      return items.every((s) => /^[+-]?\d+$/.test(s)) ? { value: items.map(Number) } : refused("must be whole numbers separated by ;");
    }
    case "windows": {
      const windows = parseWindows(text);
      return typeof windows === "string" ? refused(windows) : { value: windows };
    }
  }
}

const listOf = (text: string) =>
  text
    .split(";")
    .map((s) => s.trim())
    .filter((s) => s !== "");

const DAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"];

/** A weekday by ISO number (1 = Monday) or by name, at least its first three letters, any case. */
function weekday(token: string): number | null {
  if (/^[1-7]$/.test(token)) return Number(token);
  const t = token.toLowerCase();
  const i = t.length >= 3 ? DAYS.findIndex((d) => d.startsWith(t)) : -1;
  return i >= 0 ? i + 1 : null;
}

const WINDOW_FORM = 'a window is written like "Mon-Fri 08:00-12:00" (windows separated by ;)';

/** `Mon-Fri 08:00-12:00;Sat 09:00-13:00` → windows, or the reason it cannot be read. Times are checked by the server. */
export function parseWindows(text: string): Window[] | string {
  const windows: Window[] = [];
  for (const part of listOf(text)) {
    const m = /^(\S+)\s+(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(part);
    if (!m) return `"${part}": ${WINDOW_FORM}`;
    const days = new Set<number>();
    for (const piece of m[1]!.split(",")) {
      const [from, to, ...rest] = piece.split("-");
      const a = weekday(from ?? "");
      const b = to === undefined ? a : weekday(to);
      if (a === null || b === null || rest.length > 0) return `"${piece}" is not a weekday or a range of them (Mon-Fri, 1-5)`;
      for (let d = a; ; d = (d % 7) + 1) {
        days.add(d);
        if (d === b) break;
      }
    }
    windows.push({ weekdays: [...days].sort((x, y) => x - y), start: m[2]!.padStart(5, "0"), end: m[3]!.padStart(5, "0") });
  }
  return windows;
}

/**
 * The header column a problem's JSON pointer (`errors[].path`) is about: its first segment, or that field's
 * external-id form when the file used it (`/patientId` → `patientExternalId`, `/providerIds/1` →
 * `providerExternalIds`); "" for the body as a whole.
 */
export function columnOf(pointer: string, header: string[]): string {
  const first = pointer.split("/")[1];
  if (first === undefined || first === "") return "";
  const field = first.replace(/~1/g, "/").replace(/~0/g, "~");
  if (header.includes(field)) return field;
  const external = field.replace(/Id(s?)$/, "ExternalId$1");
  return external !== field && header.includes(external) ? external : field;
}

/** A problem document (RFC 9457) answered for a row, as refusals naming columns. */
export function refusalsOf(problem: unknown, status: number, header: string[]): Refusal[] {
  const p = isObject(problem) ? problem : {};
  const errors = Array.isArray(p.errors) ? p.errors.filter(isObject) : [];
  const fieldErrors = errors.map((e) => ({
    column: columnOf(typeof e.path === "string" ? e.path : "", header),
    reason: typeof e.message === "string" ? e.message : "is invalid",
  }));
  if (fieldErrors.length > 0) return fieldErrors;
  const reason = [p.detail, p.title].find((s): s is string => typeof s === "string" && s !== "") ?? `HTTP ${status}`;
  return [{ column: "", reason }];
}

/**
 * The physical line a record starts on. csv-parse's `info.lines` is the line its record ends on, but it
 * counts a CRLF inside a quoted field as two lines; `crlfBefore` is how many such CRLFs earlier records had.
 */
export function startLine(infoLines: number, cells: string[], crlfBefore: number): { line: number; crlf: number } {
  let crlf = 0;
  let breaks = 0;
  for (const cell of cells) {
    crlf += cell.match(/\r\n/g)?.length ?? 0;
    breaks += cell.match(/\r\n|\r|\n/g)?.length ?? 0;
  }
  return { line: infoLines - crlfBefore - crlf - breaks, crlf: crlfBefore + crlf };
}
