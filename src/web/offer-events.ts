// GET /o/:token/events — the offer page's live status as Server-Sent Events. One event type, "status",
// with { offer?, opening? } statuses: the current pair first, then each committed change of this offer or
// its opening (deps.live). A comment line every 15 s keeps proxies and the socket timeout from closing
// an idle stream. The stream only reads; it ends when the client goes or the server closes.
import type { FastifyReply, FastifyRequest } from "fastify";
import type { Deps } from "../flows/deps.ts";

export const HEARTBEAT_MS = 15_000;

export interface StatusPair {
  offer: string;
  opening: string;
}

export interface StreamTarget {
  clinicId: string;
  offerId: string;
  openingId: string;
  /** Reads the statuses now (after subscribing, so that no change can fall in between). */
  current(): Promise<StatusPair | null>;
}

export interface EventStreams {
  serve(request: FastifyRequest, reply: FastifyReply, target: StreamTarget): Promise<void>;
  /** Ends every open stream (the server is closing: an open stream would hold it open). */
  closeAll(): void;
}

export function eventStreams(deps: Deps): EventStreams {
  const open = new Set<() => void>();
  return {
    closeAll() {
      for (const close of [...open]) close();
    },
    async serve(request, reply, target) {
      const live = deps.live;
      // Without live events there is nothing to stream; 204 tells EventSource not to reconnect.
      if (!live) return void reply.code(204).header("cache-control", "no-store").send();
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        "content-type": "text/event-stream; charset=utf-8",
        "cache-control": "no-store",
        "x-accel-buffering": "no",
        "x-content-type-options": "nosniff",
        "referrer-policy": "no-referrer",
      });
      const send = (data: Partial<StatusPair>) => {
        if (!res.writableEnded) res.write(`event: status\ndata: ${JSON.stringify(data)}\n\n`);
      };
      const unsubscribe = live.subscribe(
        (e) => e.clinicId === target.clinicId && (e.kind === "offer" ? e.id === target.offerId : e.id === target.openingId),
        (e) => send(e.kind === "offer" ? { offer: e.status } : { opening: e.status }),
      );
      const heartbeat = setInterval(() => {
        if (!res.writableEnded) res.write(": heartbeat\n\n");
      }, HEARTBEAT_MS);
      heartbeat.unref();
      let closed = false;
      const close = () => {
        if (closed) return;
        closed = true;
        clearInterval(heartbeat);
        unsubscribe();
        open.delete(close);
        if (!res.writableEnded) res.end();
      };
      open.add(close);
      request.raw.on("close", close);
      res.on("close", close);
      res.on("error", close);
      // A browser reconnects after 3 s when the stream drops (the server restarted, a proxy cut it).
      res.write("retry: 3000\n\n");
      try {
        const now = await target.current();
        if (now) send(now);
      } catch (e) {
        deps.log.warn({ err: { message: e instanceof Error ? e.message : String(e) } }, "offer events: reading the status failed");
        close();
      }
    },
  };
}
