import { Type } from "typebox";
import { PERMISSIONS, STAFF_ROLES, type StaffRole } from "../../core/permissions.ts";
import { changeSettings, getSettings } from "../../flows/change-settings.ts";
import type { Deps } from "../../flows/deps.ts";
import { issueApiKey, listKeys, revokeKey } from "../../flows/issue-api-key.ts";
import { createStaffUser } from "../../flows/staff-login.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { ApiKeyJson, SettingsJson, SettingsPatch } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { Enum, Id, IdParams, Instant, Name, problems } from "../schemas.ts";
import { apiKeyJson, settingsJson } from "../../flows/resource-json.ts";

export function settingsRoutes(app: App, deps: Deps) {
  const admin = requireKey(deps, "clinic:admin");
  const tags = ["bootstrap"];

  app.get(
    "/api/booking/settings",
    { onRequest: admin, schema: { operationId: "getSettings", summary: "Read the clinic's settings", tags, response: { 200: SettingsJson, ...problems() } } },
    async (request, reply) => sendResult(reply, await getSettings(deps, callerOf(request)), 200, settingsJson),
  );

  app.patch(
    "/api/booking/settings",
    {
      onRequest: admin,
      schema: {
        operationId: "updateSettings",
        summary: "Change some of the clinic's settings",
        tags,
        body: SettingsPatch,
        response: { 200: SettingsJson, ...problems() },
      },
    },
    async (request, reply) => sendResult(reply, await changeSettings(deps, callerOf(request), request.body as never), 200, settingsJson),
  );

  app.post(
    "/api/booking/api-keys",
    {
      onRequest: admin,
      schema: {
        operationId: "createApiKey",
        summary: "Create an API key",
        description: "The key is shown only in this answer; it is stored hashed.",
        tags,
        body: Type.Object(
          { name: Name, permissions: Type.Array(Enum(PERMISSIONS), { minItems: 1, maxItems: PERMISSIONS.length }) },
          { additionalProperties: false },
        ),
        response: { 201: Type.Object({ id: Type.String(), apiKey: Type.String(), key: ApiKeyJson }), ...problems() },
      },
    },
    async (request, reply) => {
      const body = request.body as { name: string; permissions: (typeof PERMISSIONS)[number][] };
      const result = await issueApiKey(deps, callerOf(request), { name: body.name.trim(), permissions: body.permissions });
      return sendResult(reply, result, 201, (v) => ({ id: v.key.id, apiKey: v.apiKey, key: apiKeyJson(v.key) }));
    },
  );

  app.get(
    "/api/booking/api-keys",
    {
      onRequest: admin,
      schema: {
        operationId: "listApiKeys",
        summary: "List the clinic's API keys (never the keys themselves)",
        tags,
        response: { 200: Type.Object({ items: Type.Array(ApiKeyJson) }), ...problems() },
      },
    },
    async (request) => ({ items: (await listKeys(deps, callerOf(request))).map(apiKeyJson) }),
  );

  app.delete(
    "/api/booking/api-keys/:id",
    {
      onRequest: admin,
      schema: { operationId: "revokeApiKey", summary: "Revoke an API key", tags, params: IdParams, response: { 200: ApiKeyJson, ...problems(404) } },
    },
    async (request, reply) => sendResult(reply, await revokeKey(deps, callerOf(request), request.params.id), 200, apiKeyJson),
  );

  app.post(
    "/api/booking/staff-users",
    {
      onRequest: admin,
      schema: {
        operationId: "createStaffUser",
        summary: "Create a dashboard login",
        description: "Roles: `admin` (all permissions), `front_desk`, `viewer`. The password is stored as scrypt.",
        tags,

        body: Type.Object(
          {
            email: Type.String({ format: "email", maxLength: 320 }),
            name: Name,
            password: Type.String({ minLength: 8, maxLength: 1024 }),
            role: Enum(STAFF_ROLES),
          },
          { additionalProperties: false },
        ),
        response: {
          201: Type.Object({ id: Id, email: Type.String(), name: Type.String(), role: Enum(STAFF_ROLES), createdAt: Instant }),
          ...problems(409),
        },
      },
    },
    async (request, reply) => {
      const body = request.body as { email: string; name: string; password: string; role: StaffRole };
      return sendResult(reply, await createStaffUser(deps, callerOf(request), body), 201, (u) => ({
        id: u.id,
        email: u.email,
        name: u.name,
        role: u.role,
        createdAt: u.createdAt.toISOString(),
      }));
    },
  );
}
