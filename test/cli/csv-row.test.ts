// The CSV row → sync body conversion of `backfill import`, as tables, on the body schemas the server itself
// publishes (the OpenAPI document, built without a database as `npm run openapi` does).
import assert from "node:assert/strict";
import { Readable } from "node:stream";
import { before, test } from "node:test";
import { parse } from "csv-parse";
import fc from "fast-check";
import { openApiDocument } from "../../scripts/openapi.ts";
import { columnOf, columnTypeOf, headerProblems, parseWindows, type RowSchema, refusalsOf, rowSchemaOf, rowToBody, startLine } from "../../src/cli/csv-row.ts";

const schemas: Record<string, RowSchema> = {};
before(async () => {
  const doc = (await openApiDocument({})) as unknown as { paths: Record<string, { put?: { requestBody: { content: Record<string, { schema: unknown }> } } }> };
  for (const kind of ["patients", "providers", "chairs", "services", "waitlist", "appointments"]) {
    const put = doc.paths[`/api/booking/${kind}/external/{externalId}`]?.put;
    if (put) schemas[kind] = rowSchemaOf(put.requestBody.content["application/json"]!.schema);
  }
});

test("the published body schemas give each field a CSV type", () => {
  assert.deepEqual(schemas.patients!.required, ["firstName", "lastName"]);
  assert.equal(schemas.patients!.fields.smsConsent, "boolean");
  assert.equal(schemas.patients!.fields.phone, "string"); // nullable string
  assert.equal(schemas.patients!.fields.preferredChannel, "string"); // anyOf of enums, nullable
  assert.equal(schemas.services!.fields.durationMinutes, "integer");
  assert.equal(schemas.waitlist!.fields.providerExternalIds, "list");
  assert.equal(schemas.waitlist!.fields.windows, "windows");
  assert.equal(schemas.waitlist!.fields.priority, "string");
  assert.equal(schemas.waitlist!.fields.earliestDate, "string");
});

test("column types of JSON schemas", () => {
  const table: [unknown, string | null][] = [
    [{ type: "string" }, "string"],
    [{ type: "string", nullable: true }, "string"],
    [{ anyOf: [{ type: "integer" }, { type: "null" }] }, "integer"],
    [{ anyOf: [{ anyOf: [{ type: "string", enum: ["SMS"] }] }, { type: "object", nullable: true, enum: [null] }] }, "string"],
    [
      {
        anyOf: [
          { type: "string", enum: ["a"] },
          { type: "string", enum: ["b"] },
        ],
      },
      "string",
    ],
    [{ anyOf: [{ type: "string" }, { type: "integer" }] }, null],
    [{ type: "array", items: { type: "integer" } }, "integerList"],
    [{ type: "array", items: { type: "object", properties: { x: {} } } }, null],
    [{ type: "object" }, null],
    [{ type: "number" }, "number"],
    [null, null],
  ];
  for (const [schema, expected] of table) assert.equal(columnTypeOf(schema), expected, JSON.stringify(schema));
});

test("the header row: unknown, duplicate, unnamed and missing columns", () => {
  const p = schemas.patients!;
  assert.deepEqual(headerProblems(["externalId", "firstName", "lastName", "phone"], p), []);
  assert.deepEqual(headerProblems(["externalId", "firstName", "lastName", "phone", "phone", "", "shoeSize"], p), [
    'column "phone" appears twice',
    "column 6 has no name",
    'unknown column "shoeSize"',
  ]);
  assert.deepEqual(headerProblems(["firstName"], p), ['missing column "externalId"', 'missing column "lastName"']);
});

test("rows to bodies: types, empty cells, lists, booleans", () => {
  const p = schemas.patients!;
  const header = ["externalId", "firstName", "lastName", "phone", "smsConsent", "emailConsent", "voiceConsent"];
  const table: [string[], unknown][] = [
    [
      ["P1", "Ada", "Lovelace", "", "yes", "0", "TRUE"],
      { externalId: "P1", firstName: "Ada", lastName: "Lovelace", smsConsent: true, emailConsent: false, voiceConsent: true },
    ],
    [[" P2 ", " Bob ", "Byte", " +1 617 555 0100 ", "", "", ""], { externalId: "P2", firstName: "Bob", lastName: "Byte", phone: "+1 617 555 0100" }],
  ];
  for (const [cells, body] of table)
    assert.deepEqual(rowToBody(header, cells, p), { ok: true, externalId: body && (body as { externalId: string }).externalId, body });

  const w = schemas.waitlist!;
  const wh = ["externalId", "patientExternalId", "serviceExternalId", "providerExternalIds", "minNoticeMinutes", "windows"];
  assert.deepEqual(rowToBody(wh, ["W1", "P1", "S1", "DR-A; DR-B;", "+60", "Mon-Fri 8:00-12:00; sat 09:00 - 13:00"], w), {
    ok: true,
    externalId: "W1",
    body: {
      externalId: "W1",
      patientExternalId: "P1",
      serviceExternalId: "S1",
      providerExternalIds: ["DR-A", "DR-B"],
      minNoticeMinutes: 60,
      windows: [
        { weekdays: [1, 2, 3, 4, 5], start: "08:00", end: "12:00" },
        { weekdays: [6], start: "09:00", end: "13:00" },
      ],
    },
  });
});

test("rows refused before any request, naming the column", () => {
  const s = schemas.services!;
  const header = ["externalId", "name", "category", "durationMinutes", "priceCents"];
  const table: [string[], { column: string; reason: string }[]][] = [
    [
      ["S1", "Clean", "hygiene", "30 min", "1.5"],
      [
        { column: "durationMinutes", reason: "must be a whole number" },
        { column: "priceCents", reason: "must be a whole number" },
      ],
    ],
    [["", "Clean", "hygiene", "30", "100"], [{ column: "externalId", reason: "is required" }]],
    [["S1", "Clean"], [{ column: "", reason: "has 2 cells, the header has 5" }]],
    [["S1", "Clean", "hygiene", "9007199254740993", "0"], [{ column: "durationMinutes", reason: "must be a whole number" }]],
  ];
  for (const [cells, refusals] of table) {
    const row = rowToBody(header, cells, s);
    assert.equal(row.ok, false);
    assert.deepEqual(!row.ok && row.refusals, refusals, cells.join(","));
  }
  const p = schemas.patients!;
  for (const word of ["maybe", "constructor", "2"]) {
    const row = rowToBody(["externalId", "firstName", "lastName", "smsConsent"], ["P", "A", "B", word], p);
    assert.deepEqual(!row.ok && row.refusals, [{ column: "smsConsent", reason: "must be true or false (or yes/no, 1/0)" }], word);
  }
});

test("windows: names, numbers, lists, ranges that wrap; what cannot be read", () => {
  const table: [string, unknown][] = [
    ["Mon-Fri 08:00-12:00", [{ weekdays: [1, 2, 3, 4, 5], start: "08:00", end: "12:00" }]],
    [
      "1-5 08:00-12:00;7 10:00-11:00",
      [
        { weekdays: [1, 2, 3, 4, 5], start: "08:00", end: "12:00" },
        { weekdays: [7], start: "10:00", end: "11:00" },
      ],
    ],
    ["Mon,Wed,Friday 9:30-10:00", [{ weekdays: [1, 3, 5], start: "09:30", end: "10:00" }]],
    ["Fri-Mon 08:00-09:00", [{ weekdays: [1, 5, 6, 7], start: "08:00", end: "09:00" }]],
    ["TUE 08:00-09:00", [{ weekdays: [2], start: "08:00", end: "09:00" }]],
    ["Mo 08:00-09:00", '"Mo" is not a weekday or a range of them (Mon-Fri, 1-5)'],
    ["8 08:00-09:00", '"8" is not a weekday or a range of them (Mon-Fri, 1-5)'],
    ["Mon-Tue-Wed 08:00-09:00", '"Mon-Tue-Wed" is not a weekday or a range of them (Mon-Fri, 1-5)'],
    ["Mon 08:00", '"Mon 08:00": a window is written like "Mon-Fri 08:00-12:00" (windows separated by ;)'],
    ["08:00-12:00", '"08:00-12:00": a window is written like "Mon-Fri 08:00-12:00" (windows separated by ;)'],
  ];
  for (const [text, expected] of table) assert.deepEqual(parseWindows(text), expected, text);
});

test("a problem's pointers name header columns, in the form the file used", () => {
  const header = ["externalId", "patientExternalId", "serviceId", "providerExternalIds", "windows", "a/b"];
  const table: [string, string][] = [
    ["/patientId", "patientExternalId"],
    ["/patientExternalId", "patientExternalId"],
    ["/serviceId", "serviceId"],
    ["/providerIds/1", "providerExternalIds"],
    ["/providerExternalIds/0", "providerExternalIds"],
    ["/windows/0/start", "windows"],
    ["/a~1b", "a/b"],
    ["/chairId", "chairId"],
    ["", ""],
    ["/", ""],
  ];
  for (const [pointer, column] of table) assert.equal(columnOf(pointer, header), column, pointer);

  assert.deepEqual(refusalsOf({ detail: "x", errors: [{ path: "/phone", message: "is not a valid phone number" }] }, 422, ["phone"]), [
    { column: "phone", reason: "is not a valid phone number" },
  ]);
  assert.deepEqual(refusalsOf({ title: "Conflict", detail: "overlaps appointment 1" }, 409, []), [{ column: "", reason: "overlaps appointment 1" }]);
  assert.deepEqual(refusalsOf(null, 418, []), [{ column: "", reason: "HTTP 418" }]);
});

// The physical line of each record, whatever the line endings and the line breaks inside quoted fields,
// checked against the file's own lines (csv-parse counts a quoted CRLF as two).
test("startLine gives the physical line a record starts on", async () => {
  const cell = fc.oneof(
    fc.constantFrom("", "a", "b c", "x,y", 'q"q', "l1\nl2", "l1\r\nl2", "a\n\nb"),
    fc.string({ maxLength: 4 }).filter((s) => !/[\r"]/.test(s)),
  );
  const quote = (s: string) => (/[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s);
  await fc.assert(
    fc.asyncProperty(
      fc.array(fc.tuple(fc.array(cell, { minLength: 2, maxLength: 2 }), fc.nat(2)), { minLength: 1, maxLength: 8 }),
      fc.constantFrom("\n", "\r\n"),
      async (rows, nl) => {
        let text = "";
        const expected: number[] = [];
        let line = 1;
        for (const [cells, blanks] of rows) {
          text += nl.repeat(blanks);
          line += blanks;
          if (cells.join("") === "") cells[0] = "z"; // a row of empty cells reads as a blank line
          expected.push(line);
          const written = cells.map(quote).join(",");
          text += written + nl;
          line += (written.match(/\r\n|\n/g)?.length ?? 0) + 1;
        }
        const got: number[] = [];
        let crlf = 0;
        const parser = Readable.from([text]).pipe(parse({ info: true, bom: true, skip_empty_lines: true, relax_column_count: true }));
        for await (const { record, info } of parser as AsyncIterable<{ record: string[]; info: { lines: number } }>) {
          const at = startLine(info.lines, record, crlf);
          crlf = at.crlf;
          got.push(at.line);
        }
        assert.deepEqual(got, expected, JSON.stringify(text));
      },
    ),
  );
});
