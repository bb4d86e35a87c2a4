// The first-run setup page (/setup): the clinic, its time zone and the first admin login, in the
// dashboard's bare look (the login page's). No script: the time zone's default is chosen here.
import type { FieldError } from "../core/result.ts";
import { errorSummary, fieldError, barePage } from "./dashboard/layout.ts";
import { html } from "./html.ts";

export interface SetupValues {
  clinicName: string;
  timezone: string;
  email: string;
  name: string;
  sampleData: boolean;
}

const LABELS: Record<string, string> = {
  "/clinicName": "Clinic name",
  "/timezone": "Time zone",
  "/email": "Your email",
  "/name": "Your name",
  "/password": "Password",
};

/** Every IANA zone this Node knows (Intl), with the chosen one first in line of sight as the default. */
const ZONES: readonly string[] = Intl.supportedValuesOf("timeZone");

/** The server's own zone when it names a place (containers often run in plain UTC), else New York. */
export function defaultZone(): string {
  const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  return zone?.includes("/") && !zone.startsWith("Etc/") && ZONES.includes(zone) ? zone : "America/New_York";
}

export function blankSetup(): SetupValues {
  return { clinicName: "", timezone: defaultZone(), email: "", name: "", sampleData: false };
}

const invalidIf = (errors: FieldError[], path: string) => (errors.some((e) => e.path === path) ? html` aria-invalid="true"` : "");

export function setupPage(o: { token: string; csrf: string; values: SetupValues; errors: FieldError[]; detail?: string | null }): string {
  const { values: v, errors } = o;
  const zones = ZONES.includes(v.timezone) || v.timezone === "" ? ZONES : [v.timezone, ...ZONES];
  return barePage(
    "Set up your clinic",
    html`<h1>Set up your clinic</h1>
<p class="muted">Name the clinic and make the first admin login. You can add staff, providers and services from the dashboard afterwards.</p>
${errorSummary(o.detail ?? null, errors, LABELS)}
<form method="post" action="/setup">
<input type="hidden" name="_csrf" value="${o.csrf}"><input type="hidden" name="token" value="${o.token}">
<label for="clinicName">Clinic name</label>
<input id="clinicName" name="clinicName" type="text" required maxlength="200" value="${v.clinicName}"${invalidIf(errors, "/clinicName")}>${fieldError(errors, "/clinicName")}
<label for="timezone">Time zone</label>
<select id="timezone" name="timezone"${invalidIf(errors, "/timezone")}>${zones.map(
      (z) => html`<option value="${z}"${z === v.timezone ? html` selected` : ""}>${z.replaceAll("_", " ")}</option>`,
    )}</select>${fieldError(errors, "/timezone")}
<label for="name">Your name</label>
<input id="name" name="name" type="text" autocomplete="name" required maxlength="200" value="${v.name}"${invalidIf(errors, "/name")}>${fieldError(errors, "/name")}
<label for="email">Your email</label>
<input id="email" name="email" type="email" autocomplete="username" required value="${v.email}"${invalidIf(errors, "/email")}>${fieldError(errors, "/email")}
<label for="password">Password (12 characters or more)</label>
<input id="password" name="password" type="password" autocomplete="new-password" required minlength="12"${invalidIf(errors, "/password")}>${fieldError(errors, "/password")}
<label><input type="checkbox" name="sampleData" value="on"${v.sampleData ? html` checked` : ""}> Fill the clinic with sample data (fictional patients, a waitlist, next week's appointments and a simulated past month)</label>
<p><button class="primary" type="submit">Create the clinic</button></p></form>`,
  );
}

/** 403: the link is the credential; say where it is. */
export function setupForbiddenPage(operatorToken: boolean): string {
  return barePage(
    "Setup link needed",
    html`<h1>Setup link needed</h1>
<p>This page needs the setup link with its token. ${
      operatorToken
        ? html`Open <code>/setup?token=</code> followed by the <code>BACKFILL_ADMIN_TOKEN</code> you set for this server.`
        : html`It is printed in the start-up log, on the line that begins <strong>Set up your clinic:</strong> (the terminal where you ran <code>npm start</code>, or your server's logs). Restarting the server prints a new one.`
    }</p>`,
  );
}

export function setupGonePage(): string {
  return barePage("Not found", html`<h1>Not found</h1><p>This clinic is already set up.</p><p><a href="/login">Log in</a></p>`);
}
