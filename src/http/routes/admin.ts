import { Type } from "typebox";
import { createClinic } from "../../flows/create-clinic.ts";
import type { Deps } from "../../flows/deps.ts";
import type { App } from "../app.ts";
import { requireAdmin } from "../auth.ts";
import { ClinicJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { Name, problems } from "../schemas.ts";
import { clinicJson } from "../../flows/resource-json.ts";

export function adminRoutes(app: App, deps: Deps) {
  app.post(
    "/api/admin/clinics",
    {
      onRequest: requireAdmin(deps),
      schema: {
        operationId: "createClinic",
        tags: ["bootstrap"],
        summary: "Create a clinic and its first API key",
        description: "Authorised by `Bearer $BACKFILL_ADMIN_TOKEN`. The API key answered has every permission for the new clinic.",

        body: Type.Object({ name: Name, timezone: Type.String({ minLength: 1, maxLength: 100 }) }, { additionalProperties: false }),
        response: { 201: Type.Object({ clinic: ClinicJson, apiKey: Type.String() }), ...problems() },
      },
    },
    async (request, reply) => {
      const result = await createClinic(deps, { name: request.body.name.trim(), timezone: request.body.timezone });
      return sendResult(reply, result, 201, (v) => ({ clinic: clinicJson(v.clinic), apiKey: v.apiKey }));
    },
  );
}
