// The email channel against a real SMTP server (smtp-server on 127.0.0.1): what arrives is parsed
// (postal-mime) and checked — the minimum, both zones, the link, the .ics and the calendar link — and
// the server's refusals are classified (550 permanent, 451 transient, down transient, stalled throws).
import assert from "node:assert/strict";
import net, { type AddressInfo } from "node:net";
import { after, test } from "node:test";
import PostalMime from "postal-mime";
import { SMTPServer, type SMTPServerOptions } from "smtp-server";
import type { OutgoingMessage } from "../../src/channels/channel.ts";
import { classify, smtpEmail } from "../../src/channels/email.ts";
import { appointmentTitle, icsUtc } from "../../src/core/calendar.ts";
import { offerEmail, slotTime } from "../../src/core/message.ts";

const LA = "America/Los_Angeles";
const NY = "America/New_York";
const CLINIC = "Smith & Jones <Dental>";
const LINK = "https://backfill.example.com/o/o_Zm9vYmFyYmF6cXV4MTIzNDU2Nzg5MGFiY2RlZmdo";
const NOW = new Date("2026-06-08T15:00:00.000Z");
const START = new Date("2026-06-10T14:00:00.000Z"); // 7:00 AM PDT, 10:00 AM EDT
const END = new Date("2026-06-10T14:30:00.000Z");

function reply(code: number, text: string): Error {
  return Object.assign(new Error(text), { responseCode: code });
}

async function startSmtp(extra: Partial<SMTPServerOptions> = {}) {
  const received: { to: string[]; raw: Buffer }[] = [];
  let connections = 0;
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    logger: false,
    onConnect(_session, cb) {
      connections++;
      cb();
    },
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith("nobody@")) return cb(reply(550, "5.1.1 No such user here"));
      if (address.address.startsWith("busy@")) return cb(reply(451, "4.3.0 Try again later"));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        received.push({ to: session.envelope.rcptTo.map((r) => r.address), raw: Buffer.concat(chunks) });
        cb();
      });
    },
    ...extra,
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { server, port, received, connections: () => connections };
}

const smtp = await startSmtp();
const email = smtpEmail({ url: `smtp://127.0.0.1:${smtp.port}`, from: "Backfill <offers@backfill.example.com>" });
after(async () => {
  await email.close();
  await new Promise<void>((resolve) => smtp.server.close(resolve));
});

let seq = 0;
function anOffer(over: Partial<OutgoingMessage> = {}): OutgoingMessage {
  const rendered = offerEmail({
    clinicName: CLINIC,
    slotStart: START,
    patientZone: LA,
    clinicZone: NY,
    link: LINK,
    holdExpiresAt: new Date("2026-06-08T17:00:00.000Z"),
  });
  return {
    clinicId: "c1",
    deliveryId: `00000000-0000-4000-8000-${String(++seq).padStart(12, "0")}`,
    channel: "EMAIL",
    to: "pat@example.com",
    subject: rendered.subject,
    body: rendered.text,
    links: [LINK],
    validUntil: new Date("2026-06-08T17:00:00.000Z"),
    calendar: { start: START, end: END, title: appointmentTitle(CLINIC), location: CLINIC, zone: LA },
    ...over,
  };
}

async function sendAndParse(m: OutgoingMessage) {
  const before = smtp.received.length;
  const result = await email.send(m, NOW);
  assert.equal(smtp.received.length, before + 1, "the server received exactly one message");
  const raw = smtp.received.at(-1)!.raw;
  return { result, raw: raw.toString("utf8"), parsed: await PostalMime.parse(raw) };
}

test("an offer: subject, text and HTML say the clinic, the time in both zones and the link; .ics and Google link", async () => {
  const m = anOffer();
  const { result, parsed, raw } = await sendAndParse(m);
  assert.deepEqual(result, { ok: true, providerMessageId: `<delivery-${m.deliveryId}@backfill>` });
  assert.equal(parsed.messageId, `<delivery-${m.deliveryId}@backfill>`);
  assert.equal(parsed.subject, m.subject);
  assert.equal(parsed.from?.address, "offers@backfill.example.com");
  assert.equal(new Date(parsed.date!).getTime(), NOW.getTime(), "Date header from the clock passed in");

  const time = slotTime(START, LA, NY);
  assert.match(time, /7:00 AM PDT \(10:00 AM EDT clinic time\)/);
  const text = parsed.text!;
  for (const part of [CLINIC, time, LINK]) assert.ok(text.includes(part), `text has ${part}`);

  const html = parsed.html!;
  assert.ok(html.includes("Smith &amp; Jones &lt;Dental&gt;"), "clinic name escaped");
  assert.ok(!html.includes("<Dental>"), "nothing unescaped");
  assert.ok(html.includes(time), "time in both zones");
  assert.match(html, new RegExp(`<a href="${LINK}" style="[^"]*display:inline-block[^"]*">Open your offer</a>`), "the link as a button");
  assert.doesNotMatch(html, /<img|<script|src=|url\(/i, "no remote images or scripts");

  const google = text.match(/Add to Google Calendar: (\S+)/)?.[1];
  assert.ok(google, "Google link in the text part");
  const g = new URL(google);
  assert.equal(g.hostname, "calendar.google.com");
  assert.equal(g.searchParams.get("dates"), `${icsUtc(START)}/${icsUtc(END)}`);
  assert.equal(g.searchParams.get("ctz"), LA);
  assert.equal(g.searchParams.get("text"), `Appointment at ${CLINIC}`);
  assert.ok(html.includes(`href="${google.replace(/&/g, "&amp;")}"`) && html.includes("Add to Google Calendar"), "and in the HTML");

  assert.equal(parsed.attachments.length, 1);
  const ics = parsed.attachments[0]!;
  assert.equal(ics.filename, "invite.ics");
  assert.equal(ics.mimeType, "text/calendar");
  assert.equal(ics.method, "PUBLISH");
  // postal-mime normalises a text part's line endings, so the bytes as sent are read from the MIME part.
  const base64 = raw.match(/filename=invite\.ics\r\n\r\n([A-Za-z0-9+/=\r\n]+?)\r\n--/)?.[1];
  assert.ok(base64, "the .ics part is base64");
  const content = Buffer.from(base64.replace(/\r\n/g, ""), "base64").toString("utf8");
  assert.equal(content.replace(/\r\n/g, "\n"), Buffer.from(ics.content as ArrayBuffer).toString("utf8"));
  assert.doesNotMatch(content.replace(/\r\n/g, ""), /[\r\n]/, "CRLF line endings only");
  const lines = content.replace(/\r\n[ \t]/g, "").split("\r\n");
  assert.ok(lines.includes("METHOD:PUBLISH"));
  assert.ok(lines.includes("DTSTART:20260610T140000Z"), "DTSTART is the UTC start");
  assert.ok(lines.includes("DTEND:20260610T143000Z"));
  assert.ok(lines.includes("DTSTAMP:20260608T150000Z"));
  assert.ok(lines.includes("SUMMARY:Appointment at Smith & Jones <Dental>"));
  assert.ok(lines.includes(`UID:delivery-${m.deliveryId}@backfill`));
  assert.ok(lines.includes(`URL:${LINK}`));
});

test("nothing clinical anywhere in what was sent", async () => {
  const { raw, parsed } = await sendAndParse(anOffer());
  const everything = [raw, parsed.text, parsed.html, ...parsed.attachments.map((a) => Buffer.from(a.content as ArrayBuffer).toString("utf8"))].join("\n");
  assert.doesNotMatch(everything, /root canal|cleaning|diagnos|treatment|therapy|procedure|doctor|\bDr\.|provider/i);
});

test("without a slot (a staff notice): no attachment, no calendar link; the text still gets its HTML twin", async () => {
  const { result, parsed } = await sendAndParse(
    anOffer({
      subject: "Backfill: a patient needs a call",
      body: "A patient could not be reached.\nCall them.",
      links: [],
      calendar: undefined,
      validUntil: null,
    }),
  );
  assert.equal(result.ok, true);
  assert.equal(parsed.attachments.length, 0);
  assert.doesNotMatch(parsed.text!, /Google/);
  assert.match(parsed.html!, /<p>A patient could not be reached\.<br>Call them\.<\/p>/);
});

test("the pool re-uses its connection for messages sent one after another", async () => {
  const before = smtp.connections();
  for (let i = 0; i < 3; i++) assert.equal((await email.send(anOffer(), NOW)).ok, true);
  assert.ok(smtp.connections() - before <= 1, `opened ${smtp.connections() - before} connections`);
});

test("a recipient rejected with 550 is a permanent failure (hard bounce); the pool keeps working", async () => {
  const before = smtp.received.length;
  const result = await email.send(anOffer({ to: "nobody@example.com" }), NOW);
  assert.equal(result.ok, false);
  assert.equal(!result.ok && result.permanent, true);
  assert.match(!result.ok ? result.reason : "", /550/);
  assert.equal(smtp.received.length, before);
  assert.equal((await email.send(anOffer(), NOW)).ok, true);
});

test("a recipient deferred with 451 is a transient failure", async () => {
  const result = await email.send(anOffer({ to: "busy@example.com" }), NOW);
  assert.deepEqual(result.ok ? null : { permanent: result.permanent, has451: /451/.test(result.reason) }, { permanent: false, has451: true });
});

test("a server that is down: transient (nothing was handed over)", async () => {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const port = (probe.address() as AddressInfo).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  const down = smtpEmail({ url: `smtp://127.0.0.1:${port}`, from: "offers@backfill.example.com" }, { connectionTimeoutMs: 2_000 });
  try {
    const result = await down.send(anOffer(), NOW);
    assert.equal(result.ok, false);
    assert.equal(!result.ok && result.permanent, false);
  } finally {
    await down.close();
  }
});

test("a server that takes the message and never answers: the outcome is unknown, so send throws", async () => {
  let gotData!: () => void;
  const dataArrived = new Promise<void>((resolve) => (gotData = resolve));
  const stalling = await startSmtp({
    onData(stream) {
      stream.resume();
      stream.on("end", () => gotData()); // …and never calls back
    },
  });
  const slow = smtpEmail({ url: `smtp://127.0.0.1:${stalling.port}`, from: "offers@backfill.example.com" }, { sendTimeoutMs: 1_000 });
  try {
    await assert.rejects(slow.send(anOffer(), NOW), /outcome unknown/);
    await dataArrived;
  } finally {
    await slow.close();
    await new Promise<void>((resolve) => stalling.server.close(resolve));
  }
});

test("error classification table", () => {
  const table: [object, "permanent" | "transient" | "unknown"][] = [
    [{ code: "EENVELOPE", responseCode: 550, response: "550 no such user" }, "permanent"],
    [{ code: "EENVELOPE", responseCode: 553, response: "553 mailbox name not allowed" }, "permanent"],
    [{ code: "EMESSAGE", responseCode: 552, response: "552 too big" }, "permanent"],
    [{ code: "EENVELOPE", responseCode: 503, response: "503 bad sequence" }, "transient"],
    [{ code: "EENVELOPE", responseCode: 451, response: "451 later" }, "transient"],
    [{ code: "ECONNECTION", responseCode: 421, response: "421 closing" }, "transient"],
    [{ code: "ESOCKET", originalCode: "ECONNREFUSED" }, "transient"],
    [{ code: "EDNS", originalCode: "ENOTFOUND" }, "transient"],
    [{ code: "ETIMEDOUT", timeoutType: "CONNECT_TIMEOUT" }, "transient"],
    [{ code: "ETIMEDOUT", timeoutType: "GREETING_TIMEOUT" }, "transient"],
    [{ code: "EAUTH" }, "transient"],
    [{ code: "EENVELOPE", message: "Invalid recipient" }, "permanent"],
    [{ code: "ETIMEDOUT", timeoutType: "SOCKET_TIMEOUT" }, "unknown"],
    [{ code: "ECONNECTION", message: "Connection closed unexpectedly" }, "unknown"],
    [{ code: "EABORT" }, "unknown"],
    [new Error("something else"), "unknown"],
  ];
  for (const [err, expected] of table) {
    const r = classify(err);
    const got = r === null ? "unknown" : !r.ok && r.permanent ? "permanent" : "transient";
    assert.equal(got, expected, JSON.stringify(err));
  }
});

test("SMTP has no lookup: a crash mid-send leaves the outcome unknown", async () => {
  const d = { id: "d1" } as Parameters<typeof email.lookup>[0];
  assert.deepEqual(await email.lookup(d), { sent: "unknown" });
});
