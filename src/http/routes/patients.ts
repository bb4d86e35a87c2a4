// Patients (`booking:manage_schedule`).
import { Type } from "typebox";
import type { Deps } from "../../flows/deps.ts";
import { findPatient, listPatientsOf } from "../../flows/look-up.ts";
import { editPatient, registerPatient, type PatientBody } from "../../flows/register-patient.ts";
import type { App } from "../app.ts";
import { callerOf, requireKey } from "../auth.ts";
import { listOf, pageRequest } from "../cursor.ts";
import { PatientJson } from "../entities.ts";
import { sendResult } from "../problem.ts";
import { Channel, ExternalId, IdParams, ListOf, ListQuery, Name, Nullable, problems } from "../schemas.ts";
import { patientJson } from "../../flows/resource-json.ts";

/** A patient's fields as `POST` (and the sync `PUT`) take them. */
export const patientFields = {
  firstName: Name,
  lastName: Name,
  phone: Type.Optional(Nullable(Type.String({ maxLength: 40 }))),
  email: Type.Optional(Nullable(Type.String({ format: "email", maxLength: 320 }))),
  timezone: Type.Optional(Nullable(Type.String({ minLength: 1, maxLength: 100 }))),
  smsConsent: Type.Optional(Type.Boolean()),
  voiceConsent: Type.Optional(Type.Boolean()),
  emailConsent: Type.Optional(Type.Boolean()),
  preferredChannel: Type.Optional(Nullable(Channel)),
  externalId: Type.Optional(ExternalId),
};
const fields = patientFields;

export function patientRoutes(app: App, deps: Deps) {
  const guard = requireKey(deps, "booking:manage_schedule");
  const tags = ["patients"];

  app.post(
    "/api/booking/patients",
    {
      onRequest: guard,
      schema: {
        operationId: "createPatient",
        summary: "Register a patient",
        description:
          "Phones are normalised to E.164; an invalid phone is a 422 `validation_failed`. " +
          "`externalId` (the clinic's own system's id) is unique per clinic: a duplicate is a 409 `conflict`.",
        tags,
        body: Type.Object(fields, { additionalProperties: false }),
        response: { 201: PatientJson, ...problems(409) },
      },
    },
    async (request, reply) => sendResult(reply, await registerPatient(deps, callerOf(request), request.body as PatientBody), 201, patientJson),
  );

  app.get(
    "/api/booking/patients",
    {
      onRequest: guard,
      schema: {
        operationId: "listPatients",
        summary: "List the clinic's patients",
        tags,
        querystring: Type.Object({ externalId: Type.Optional(ExternalId), ...ListQuery }),
        response: { 200: ListOf(PatientJson), ...problems() },
      },
    },
    async (request) => listOf(await listPatientsOf(deps, callerOf(request), pageRequest(request.query), { externalId: request.query.externalId }), patientJson),
  );

  app.get(
    "/api/booking/patients/:id",
    {
      onRequest: guard,
      schema: {
        operationId: "getPatient",
        summary: "Read a patient",
        description: "Includes `learned` preferences once the patient has answered offers.",
        tags,
        params: IdParams,
        response: { 200: PatientJson, ...problems(404) },
      },
    },
    async (request, reply) => sendResult(reply, await findPatient(deps, callerOf(request), request.params.id), 200, patientJson),
  );

  app.patch(
    "/api/booking/patients/:id",
    {
      onRequest: guard,
      schema: {
        operationId: "updatePatient",
        summary: "Change a patient's details or consents",
        tags,
        params: IdParams,
        description: "`externalId: null` clears the external id; a duplicate is a 409 `conflict`.",
        body: Type.Partial(Type.Object({ ...fields, externalId: Nullable(ExternalId) }), { additionalProperties: false }),
        response: { 200: PatientJson, ...problems(404, 409) },
      },
    },
    async (request, reply) => sendResult(reply, await editPatient(deps, callerOf(request), request.params.id, request.body as PatientBody), 200, patientJson),
  );
}
