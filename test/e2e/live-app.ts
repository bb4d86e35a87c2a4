// The real wiring, listening: a database of its own, the fake Twilio, a real SMTP server, parseConfig and
// configureChannels exactly as main.ts uses them, and buildApp on 127.0.0.1 so that the fake's signed
// callbacks reach our real /webhooks routes. Due work runs only when a test calls drain() (manual clock).
import http from "node:http";
import net, { type AddressInfo } from "node:net";
import { after } from "node:test";
import { SMTPServer } from "smtp-server";
import { configureChannels, type ConfiguredChannels } from "../../src/channels/configure.ts";
import { ManualClock } from "../../src/clock.ts";
import { parseConfig, type Config } from "../../src/config.ts";
import type { Deps, Logger } from "../../src/flows/deps.ts";
import { buildApp, type App } from "../../src/http/app.ts";
import { devGateway } from "../../src/payments/dev-gateway.ts";
import { runDue } from "../../src/jobs/runner.ts";
import { startFakeTwilio, type FakeTwilio } from "../fakes/twilio.ts";
import { testDatabase } from "../harness/db.ts";

export const ADMIN_TOKEN = "e2e-admin-token-0123456789abcdef";
export const CLINIC_PHONE = "+16175550199";
export const T0 = new Date("2026-03-02T14:00:00Z"); // a Monday, 09:00 in New York

export interface Mail {
  to: string[];
  raw: Buffer;
  /** false when the server refused the message at the end of DATA (it saw it, then said 550). */
  accepted: boolean;
}

/**
 * A real SMTP server. Recipients `nobody@…` are refused at RCPT (550); `bounce@…` / `bounce-…@…` are
 * read in full and then refused at the end of DATA (550), which is how a hard bounce looks to a sender
 * that has no bounce webhook: the message was seen, and not accepted.
 */
async function startSmtp() {
  const received: Mail[] = [];
  const refuse = (code: number, text: string) => Object.assign(new Error(text), { responseCode: code });
  const server = new SMTPServer({
    secure: false,
    disabledCommands: ["STARTTLS"],
    authOptional: true,
    logger: false,
    onRcptTo(address, _session, cb) {
      if (address.address.startsWith("nobody@")) return cb(refuse(550, "5.1.1 No such user here"));
      cb();
    },
    onData(stream, session, cb) {
      const chunks: Buffer[] = [];
      stream.on("data", (c: Buffer) => chunks.push(c));
      stream.on("end", () => {
        const to = session.envelope.rcptTo.map((r) => r.address);
        const bounce = to.some((a) => /^bounce[-@]/.test(a));
        received.push({ to, raw: Buffer.concat(chunks), accepted: !bounce });
        cb(bounce ? refuse(550, "5.1.1 Mailbox unavailable") : null);
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const port = (server.server.address() as AddressInfo).port;
  return { port, received, close: () => new Promise<void>((resolve) => server.close(() => resolve())) };
}

async function freePort(): Promise<number> {
  const probe = net.createServer();
  await new Promise<void>((resolve) => probe.listen(0, "127.0.0.1", resolve));
  const { port } = probe.address() as AddressInfo;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

export interface Answer {
  status: number;
  body: any;
  contentType: string | null;
}

export interface LiveApp {
  /** http://127.0.0.1:<port>: where the app listens, and its BACKFILL_PUBLIC_URL. */
  base: string;
  app: App;
  deps: Deps;
  config: Config;
  clock: ManualClock;
  fake: FakeTwilio;
  smtp: { port: number; received: Mail[] };
  channels: ConfiguredChannels;
  logged: string[];
  /** A request over real HTTP. */
  api(method: string, path: string, opts?: { key?: string; body?: unknown }): Promise<Answer>;
  /** Runs every piece of due work at the clock's now. */
  drain(): ReturnType<typeof runDue>;
}

export async function startLiveApp(env: Record<string, string> = {}): Promise<LiveApp> {
  const { pool, url } = await testDatabase();
  const clock = new ManualClock(T0);
  const fake = await startFakeTwilio({ now: () => clock.now() });
  const smtp = await startSmtp();
  const logged: string[] = [];
  const log: Logger = {
    info: (o, m) => logged.push(JSON.stringify([o, m])),
    warn: (o, m) => logged.push(JSON.stringify([o, m])),
    error: (o, m) => logged.push(JSON.stringify([o, m])),
  };
  const twilio = fake.config();

  // The port is chosen first so that BACKFILL_PUBLIC_URL is known before the app is built, as in main.ts.
  // Another process could take it in between: then try again with another.
  for (let attempt = 0; ; attempt++) {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const config = parseConfig({
      DATABASE_URL: url,
      BACKFILL_ADMIN_TOKEN: ADMIN_TOKEN,
      BACKFILL_RATE_LIMIT: "100000",
      BACKFILL_PUBLIC_URL: base,
      BACKFILL_CLINIC_PHONE: CLINIC_PHONE,
      TWILIO_ACCOUNT_SID: twilio.accountSid,
      TWILIO_AUTH_TOKEN: twilio.authToken,
      TWILIO_FROM: twilio.from!,
      TWILIO_API_BASE: fake.url,
      SMTP_URL: `smtp://127.0.0.1:${smtp.port}`,
      MAIL_FROM: "Backfill <offers@backfill.test>",
      PORT: String(port),
      HOST: "127.0.0.1",
      ...env,
    });
    const channels = configureChannels(config, pool, null);
    const deps: Deps = { db: pool, clock, config, log, channels: channels.channels, payments: devGateway(pool) };
    const app = await buildApp(deps);
    try {
      await app.listen({ port: config.port, host: config.host });
    } catch (e) {
      await app.close();
      await channels.close();
      if ((e as { code?: string }).code === "EADDRINUSE" && attempt < 5) continue;
      throw e;
    }
    fake.deliverTo = base;
    fake.publicUrl = base;
    after(async () => {
      await app.close();
      await channels.close();
      await fake.close();
      await smtp.close();
    });

    const api = async (method: string, path: string, opts: { key?: string; body?: unknown } = {}): Promise<Answer> => {
      const headers: Record<string, string> = {};
      if (opts.key) headers.authorization = `Bearer ${opts.key}`;
      if (opts.body !== undefined) headers["content-type"] = "application/json";
      const res = await fetch(base + path, {
        method,
        headers,
        body: opts.body === undefined ? null : JSON.stringify(opts.body),
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      let body: any = text;
      try {
        body = text ? JSON.parse(text) : null;
      } catch {
        // TwiML, HTML
      }
      return { status: res.status, body, contentType: res.headers.get("content-type") };
    };
    return {
      base,
      app,
      deps,
      config,
      clock,
      fake,
      smtp,
      channels,
      logged,
      api,
      drain: () => runDue(deps, clock.now()),
    };
  }
}

/**
 * A form POST to our server with whatever Host header and X-Twilio-Signature the caller chooses (fetch
 * will not send a Host of our choosing).
 */
export function rawPost(
  base: string,
  path: string,
  params: Record<string, string>,
  headers: Record<string, string>,
): Promise<{ status: number; body: string }> {
  const target = new URL(path, base);
  const body = new URLSearchParams(params).toString();
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: target.hostname,
        port: target.port,
        path: target.pathname + target.search,
        method: "POST",
        headers: { "content-type": "application/x-www-form-urlencoded", "content-length": Buffer.byteLength(body), ...headers },
        timeout: 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on("data", (c: Buffer) => chunks.push(c));
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString("utf8") }));
      },
    );
    req.on("error", reject);
    req.on("timeout", () => req.destroy(new Error("timeout")));
    req.end(body);
  });
}
