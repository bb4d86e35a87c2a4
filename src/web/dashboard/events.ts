// GET /events: a text/event-stream of "something changed" for the signed-in clinic only. Pages then
// re-fetch their live panels. With deps.live (LISTEN backfill_events) changes arrive at commit; without
// it (tests, or a deployment that left it out) one poller per clinic compares a fingerprint of the
// board every 2 s.
import type { ServerResponse } from "node:http";
import type { Deps } from "../../flows/deps.ts";
import type { App } from "../../http/app.ts";
import { hashSecret } from "../../flows/secrets.ts";
import { boardFingerprint, sessionIsLive } from "../../flows/watch-board.ts";
import { cookies, SESSION_COOKIE, staffOf, type Kit } from "./kit.ts";

const POLL_MS = 2_000;
// Proxies drop idle streams after 30–60 s; a comment every 20 s keeps them open.
const PING_MS = 20_000;
// A logged-out or expired session stops receiving within this long.
const SESSION_CHECK_MS = 30_000;

type Listener = () => void;

/** One poller per clinic with listeners, stopped when the last one leaves. */
function pollingWatch(deps: Deps) {
  const clinics = new Map<string, { listeners: Set<Listener>; timer: NodeJS.Timeout; last: string | null }>();
  return (clinicId: string, listener: Listener): (() => void) => {
    let watch = clinics.get(clinicId);
    if (!watch) {
      const w = { listeners: new Set<Listener>(), timer: undefined as unknown as NodeJS.Timeout, last: null as string | null };
      let busy = false;
      w.timer = setInterval(async () => {
        if (busy) return;
        busy = true;
        try {
          const now = await boardFingerprint(deps, clinicId);
          if (w.last !== null && now !== w.last) for (const l of [...w.listeners]) l();
          w.last = now;
        } catch {
          // the pool is closing or the database is away; try again next tick
        } finally {
          busy = false;
        }
      }, POLL_MS);
      w.timer.unref();
      clinics.set(clinicId, w);
      watch = w;
    }
    const w = watch;
    w.listeners.add(listener);
    return () => {
      w.listeners.delete(listener);
      if (w.listeners.size === 0) {
        clearInterval(w.timer);
        clinics.delete(clinicId);
      }
    };
  };
}

export function eventRoutes(app: App, kit: Kit) {
  const { deps } = kit;
  const poll = pollingWatch(deps);
  const watch = (clinicId: string, listener: Listener) =>
    deps.live ? deps.live.subscribe((e) => e.clinicId === clinicId, listener) : poll(clinicId, listener);
  const open = new Set<ServerResponse>();
  // Open streams would keep the server from closing: end them first.
  app.addHook("preClose", async () => {
    for (const res of open) res.end();
  });

  app.get("/events", { exposeHeadRoute: false, schema: { hide: true }, preHandler: kit.guard(undefined, { fragment: true }) }, async (request, reply) => {
    const { caller } = staffOf(request);
    const tokenHash = hashSecret(cookies(request)[SESSION_COOKIE]!);
    reply.hijack();
    const res = reply.raw;
    res.writeHead(200, {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-store",
      connection: "keep-alive",
      "x-accel-buffering": "no",
    });
    res.write("retry: 3000\n\n");
    open.add(res);
    let seq = 0;
    const unwatch = watch(caller.clinicId, () => res.write(`event: change\nid: ${++seq}\ndata: {}\n\n`));
    const ping = setInterval(() => res.write(": ping\n\n"), PING_MS);
    const check = setInterval(async () => {
      const live = await sessionIsLive(deps, tokenHash, deps.clock.now()).catch(() => false);
      if (!live) res.end();
    }, SESSION_CHECK_MS);
    const done = () => {
      unwatch();
      clearInterval(ping);
      clearInterval(check);
      open.delete(res);
    };
    res.on("close", done);
  });
}
