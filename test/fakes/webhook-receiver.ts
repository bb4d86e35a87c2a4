// A customer's webhook receiver on 127.0.0.1: real HTTP, each request kept with its raw body, and verified
// the way a customer would, with the standardwebhooks package's Webhook.verify. The package checks the
// webhook-timestamp against its own clock (5 minutes either way); the customer's clock agrees with ours, so
// `now` (the test's manual clock) when the request arrived is what Date.now answers during the verify, and only then.
import http from "node:http";
import type { AddressInfo } from "node:net";
import { Webhook } from "standardwebhooks";

export interface Received {
  method: string;
  path: string;
  headers: http.IncomingHttpHeaders;
  body: string;
  /** The receiver's clock when it arrived: what its verify checks the webhook-timestamp against. */
  at: Date;
}

/** What the receiver answers a request: a status (with headers, a body), or nothing at all ("hang"). */
export type Answer = { status: number; headers?: Record<string, string>; body?: string } | "hang";

export interface WebhookReceiver {
  url: string;
  received: Received[];
  /** How the next requests are answered (the default: 204). */
  answer: (r: Received, n: number) => Answer;
  /** Webhook.verify of request `r` with `secret`, on the receiver's clock when it arrived: the parsed payload, or it throws. */
  verify(r: Received, secret: string): unknown;
  /** Answers request number `n` (1-based), held by a "hang" answer. */
  release(n: number, answer: { status: number; headers?: Record<string, string>; body?: string }): void;
  /** Resolves when `n` requests have arrived. */
  waitFor(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

export async function startWebhookReceiver(opts: { now: () => Date; path?: string }): Promise<WebhookReceiver> {
  const received: Received[] = [];
  const waiters: { n: number; resolve: () => void }[] = [];
  const held = new Map<number, http.ServerResponse>();
  const receiver: WebhookReceiver = {
    url: "",
    received,
    answer: () => ({ status: 204 }),
    verify(r, secret) {
      const realNow = Date.now;
      const at = r.at.getTime();
      Date.now = () => at;
      try {
        return new Webhook(secret).verify(r.body, r.headers as Record<string, string>);
      } finally {
        Date.now = realNow;
      }
    },
    release(n, answer) {
      const res = held.get(n);
      if (!res) throw new Error(`request ${n} is not held`);
      held.delete(n);
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    },
    waitFor(n, timeoutMs = 30_000) {
      if (received.length >= n) return Promise.resolve();
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`waited for ${n} webhook requests, got ${received.length}`)), timeoutMs);
        waiters.push({
          n,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
    close: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const r: Received = { method: req.method ?? "", path: req.url ?? "", headers: req.headers, body: Buffer.concat(chunks).toString("utf8"), at: opts.now() };
      received.push(r);
      const answer = receiver.answer(r, received.length);
      for (const w of waiters.filter((w) => received.length >= w.n)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve();
      }
      if (answer === "hang") {
        held.set(received.length, res); // answered by release(), or never: the sender's timeout (or death) ends it
        return;
      }
      res.writeHead(answer.status, answer.headers ?? {});
      res.end(answer.body ?? "");
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  receiver.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${opts.path ?? "/hook"}`;
  return receiver;
}
