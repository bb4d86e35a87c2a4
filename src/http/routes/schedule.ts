// Providers, chairs and services (`booking:manage_schedule`).
import { Type } from "typebox";
import { addResource, addService } from "../../flows/add-resource.ts";
import type { Deps } from "../../flows/deps.ts";
import { listResourcesOf, listServicesOf } from "../../flows/look-up.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { ResourceJson, ServiceJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { ExternalId, ListOf, ListQuery, Name, problems } from "../schemas.ts";
import { resourceJson, serviceJson } from "../../flows/resource-json.ts";

/** The bodies `POST` (and the sync `PUT`) take. */
export const resourceFields = { name: Name, externalId: Type.Optional(ExternalId) };
export const serviceFields = {
  name: Name,
  category: Type.String({ minLength: 1, maxLength: 50, pattern: "^[A-Za-z0-9_ -]*[A-Za-z0-9_-][A-Za-z0-9_ -]*$" }),
  durationMinutes: Type.Integer({ minimum: 5, maximum: 1440 }),
  priceCents: Type.Integer({ minimum: 0, maximum: 100_000_000 }),
  externalId: Type.Optional(ExternalId),
};
const DUPLICATE = "`externalId` (the clinic's own system's id) is unique per clinic and kind: a duplicate is a 409 `conflict`.";
const byExternalId = { externalId: Type.Optional(ExternalId) };

export function scheduleRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_schedule");
  const tags = ["schedule"];

  for (const table of ["providers", "chairs"] as const) {
    const noun = table === "providers" ? "Provider" : "Chair";
    app.post(
      `/api/booking/${table}`,
      {
        onRequest: guard,
        schema: {
          operationId: `create${noun}`,
          summary: `Add a ${noun.toLowerCase()}`,
          description: DUPLICATE,
          tags,
          body: Type.Object(resourceFields, { additionalProperties: false }),
          response: { 201: ResourceJson, ...problems(409) },
        },
      },
      async (request, reply) => sendResult(reply, await addResource(deps, callerOf(request), table, request.body), 201, resourceJson),
    );
    app.get(
      `/api/booking/${table}`,
      {
        onRequest: guard,
        schema: {
          operationId: `list${noun}s`,
          summary: `List the clinic's ${table}`,
          tags,
          querystring: Type.Object({ ...byExternalId, ...ListQuery }),
          response: { 200: ListOf(ResourceJson), ...problems() },
        },
      },
      async (request) =>
        listOf(await listResourcesOf(deps, callerOf(request), table, pageRequest(request.query), { externalId: request.query.externalId }), resourceJson),
    );
  }

  app.post(
    "/api/booking/services",
    {
      onRequest: guard,
      schema: {
        operationId: "createService",
        summary: "Add a service",
        description: DUPLICATE,
        tags,
        body: Type.Object(serviceFields, { additionalProperties: false }),
        response: { 201: ServiceJson, ...problems(409) },
      },
    },
    async (request, reply) => sendResult(reply, await addService(deps, callerOf(request), request.body), 201, serviceJson),
  );
  app.get(
    "/api/booking/services",
    {
      onRequest: guard,
      schema: {
        operationId: "listServices",
        summary: "List the clinic's services",
        tags,
        querystring: Type.Object({ ...byExternalId, ...ListQuery }),
        response: { 200: ListOf(ServiceJson), ...problems() },
      },
    },
    async (request) => listOf(await listServicesOf(deps, callerOf(request), pageRequest(request.query), { externalId: request.query.externalId }), serviceJson),
  );
}
