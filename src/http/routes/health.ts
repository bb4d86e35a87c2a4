import { Type } from "typebox";
import type { Deps } from "../../flows/deps.ts";
import type { App } from "../app.ts";

export function healthRoutes(app: App, deps: Deps) {
  app.get(
    "/healthz",
    {
      config: { rateLimit: false },
      schema: {
        operationId: "getHealth",
        summary: "Whether the service is up and its database answers",
        tags: ["running"],
        security: [],
        response: {
          200: Type.Object({ ok: Type.Boolean() }),
          503: Type.Object({ ok: Type.Boolean() }),
        },
      },
    },
    async (_request, reply) => {
      // The server listens only after migrations ran; this checks the database still answers.
      try {
        await deps.db.query("SELECT 1");
        return { ok: true };
      } catch {
        return reply.code(503).send({ ok: false });
      }
    },
  );
}
