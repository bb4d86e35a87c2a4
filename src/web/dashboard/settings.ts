// Settings (GET/POST /settings, admins): hold, caps, quiet hours, strategy and channel order, reminders,
// no-shows and cancellation policies (settings-lifecycle.ts), through the same flow as PATCH
// /api/booking/settings; and the clinic's staff logins (POST /settings/staff).
import type { FastifyReply, FastifyRequest } from "fastify";
import { STAFF_ROLES, type StaffRole } from "../../core/permissions.ts";
import type { FieldError } from "../../core/result.ts";
import { STRATEGIES, type Settings, type Strategy } from "../../core/settings.ts";
import { CHANNELS, type Channel } from "../../core/types.ts";
import { changeSettings, getSettings } from "../../flows/change-settings.ts";
import { createStaffUser } from "../../flows/staff-login.ts";
import { viewServiceCategories, viewStaffUsers } from "../../flows/view-settings.ts";
import type { App } from "../../http/app.ts";
import { html } from "../html.ts";
import { csrfField, errorSummary, fieldError, options } from "./layout.ts";
import { formOf, one, seeOther, staffOf, statusOf, type Form, type FormErrors, type Kit } from "./kit.ts";
import { LIFECYCLE_LABELS, lifecycleFieldset, lifecycleValues, parseLifecycle, policyCategories } from "./settings-lifecycle.ts";

// The API's bounds (src/http/entities.ts SettingsFields), so a form can't ask for what the API refuses.
const NUMBERS = [
  { key: "holdMinutes", label: "Hold (minutes)", min: 10, max: 10080, group: "offers" },
  { key: "waveSize", label: "Wave size", min: 1, max: 100, group: "offers" },
  { key: "cutoffMinutes", label: "Stop offering (min before start)", min: 0, max: 1439, group: "offers" },
  { key: "fallbackDelayMinutes", label: "Fallback delay (minutes)", min: 0, max: 1440, group: "offers" },
  { key: "maxNotificationsPerEntry", label: "Per waitlist entry", min: 1, max: 100, group: "caps" },
  { key: "dailyCapPerPatient", label: "Per patient a day", min: 0, max: 100, group: "caps" },
  { key: "weeklyCapPerPatient", label: "Per patient a week", min: 0, max: 700, group: "caps" },
] as const;

const LABELS: Record<string, string> = {
  ...Object.fromEntries(NUMBERS.map((n) => [`/${n.key}`, n.label])),
  "/quietHours": "Quiet hours",
  "/quietHours/start": "Quiet hours from",
  "/quietHours/end": "Quiet hours until",
  "/strategy": "Strategy",
  "/channelOrder": "Channel order",
  "/email": "Email",
  "/name": "Name",
  "/password": "Password",
  "/role": "Role",
  ...LIFECYCLE_LABELS,
};

const ORDERABLE = CHANNELS.filter((c) => c !== "MANUAL");

type Values = Record<string, string | string[]>;

const valuesOf = (s: Settings): Values => ({
  ...Object.fromEntries(NUMBERS.map((n) => [n.key, String(s[n.key])])),
  quietStart: s.quietHours.start,
  quietEnd: s.quietHours.end,
  strategy: s.strategy,
  channelOrder: s.channelOrder,
});

function parse(form: Form): { values: Values; patch: Partial<Settings>; errors: FieldError[] } {
  const errors: FieldError[] = [];
  const patch: Record<string, unknown> = {};
  const values: Values = {};
  for (const n of NUMBERS) {
    const raw = one(form, n.key);
    values[n.key] = raw;
    const v = Number(raw);
    if (raw === "" || !Number.isInteger(v) || v < n.min || v > n.max)
      errors.push({ path: `/${n.key}`, message: `must be a whole number from ${n.min} to ${n.max}` });
    else patch[n.key] = v;
  }
  values.quietStart = one(form, "quietStart");
  values.quietEnd = one(form, "quietEnd");
  patch.quietHours = { start: values.quietStart, end: values.quietEnd };
  values.strategy = one(form, "strategy");
  if ((STRATEGIES as readonly string[]).includes(values.strategy)) patch.strategy = values.strategy as Strategy;
  else errors.push({ path: "/strategy", message: "choose a strategy" });
  const order = [0, 1, 2, 3].map((i) => one(form, `channel${i}`)).filter((c) => c !== "");
  values.channelOrder = order;
  if (order.length === 0) errors.push({ path: "/channelOrder", message: "name at least one channel" });
  else if (order.some((c) => !(ORDERABLE as readonly string[]).includes(c))) errors.push({ path: "/channelOrder", message: "choose channels from the list" });
  else patch.channelOrder = order as Channel[];
  return { values, patch: patch as Partial<Settings>, errors };
}

async function render(
  kit: Kit,
  request: FastifyRequest,
  reply: FastifyReply,
  state: { values?: Values; failed?: FormErrors; staffFailed?: FormErrors; status?: number } = {},
) {
  const staff = staffOf(request);
  const current = await getSettings(kit.deps, staff.caller);
  if (!current.ok) return kit.notFound(request, reply);
  const categories = policyCategories(current.value, await viewServiceCategories(kit.deps, staff.caller.clinicId));
  const v = state.values ?? { ...valuesOf(current.value), ...lifecycleValues(current.value, categories) };
  const errs = state.failed?.errors;
  const users = await viewStaffUsers(kit.deps, staff.caller.clinicId);
  const order = v.channelOrder as string[];
  const channelChoices = ORDERABLE.map((c) => ({ id: c, name: c }));
  const body = html`<p class="small"><a href="/settings/api-keys">API keys</a> <span class="muted">— let the clinic's own systems use the API</span> · <a href="/settings/webhooks">Webhooks</a> <span class="muted">— send the clinic's events to its own systems</span></p>
<form method="post" action="/settings" class="card">${csrfField(staff.csrf)}
${state.failed ? errorSummary(state.failed.detail, errs, LABELS) : ""}
<p class="muted small">Clinic time zone: ${current.value.timezone}. Quiet hours apply in each patient's own zone.</p>
${(["offers", "caps"] as const).map(
  (group) => html`<fieldset><legend>${group === "offers" ? "Offers, holds and waves" : "Caps on offer messages"}</legend><div class="pair">
${NUMBERS.filter((n) => n.group === group).map((n) => html`<div><label for="${n.key}">${n.label}</label><input type="number" id="${n.key}" name="${n.key}" min="${n.min}" max="${n.max}" required value="${v[n.key] as string}">${fieldError(errs, `/${n.key}`)}</div>`)}</div></fieldset>`,
)}
<fieldset><legend>Quiet hours (nothing is sent)</legend><div class="pair">
<div><label for="quietStart">From</label><input type="time" id="quietStart" name="quietStart" required value="${v.quietStart as string}">${fieldError(errs, "/quietHours/start")}</div>
<div><label for="quietEnd">Until</label><input type="time" id="quietEnd" name="quietEnd" required value="${v.quietEnd as string}">${fieldError(errs, "/quietHours/end")}</div></div>${fieldError(errs, "/quietHours")}</fieldset>
<label for="strategy">Strategy</label><select id="strategy" name="strategy">${options(
    STRATEGIES.map((s) => ({ id: s, name: s })),
    v.strategy as string,
  )}</select>${fieldError(errs, "/strategy")}
<p class="muted small">sequential: one offer at a time · broadcast: a wave at once, first to accept wins · adaptive: sequential while there is time, then growing waves.</p>
<fieldset><legend>Channel order (tried in turn when one fails)</legend><div class="pair">
${[0, 1, 2, 3].map((i) => html`<div><label for="channel${i}">${["1st", "2nd", "3rd", "4th"][i]}</label><select id="channel${i}" name="channel${i}">${options(channelChoices, order[i] ?? "", "—")}</select></div>`)}
</div>${fieldError(errs, "/channelOrder")}</fieldset>
${lifecycleFieldset(v as Record<string, string>, categories, errs, current.value)}
<p><button class="primary" type="submit">Save settings</button></p></form>
<h2>Staff logins</h2>
<div class="table-wrap"><table><thead><tr><th>Name</th><th>Email</th><th>Role</th></tr></thead><tbody>
${users.map((u) => html`<tr><td>${u.name}</td><td>${u.email}</td><td>${u.role.replace("_", " ")}${u.disabledAt ? " (disabled)" : ""}</td></tr>`)}</tbody></table></div>
<h2>Add a staff login</h2><form method="post" action="/settings/staff" class="card">${csrfField(staff.csrf)}
${state.staffFailed ? errorSummary(state.staffFailed.detail, state.staffFailed.errors, LABELS) : ""}
<div class="pair"><div><label for="staff-name">Name</label><input type="text" id="staff-name" name="name" required maxlength="200">${fieldError(state.staffFailed?.errors, "/name")}</div>
<div><label for="staff-email">Email</label><input type="email" id="staff-email" name="email" required>${fieldError(state.staffFailed?.errors, "/email")}</div></div>
<div class="pair"><div><label for="staff-password">Password (8+ characters)</label><input type="password" id="staff-password" name="password" required minlength="8" autocomplete="new-password">${fieldError(state.staffFailed?.errors, "/password")}</div>
<div><label for="staff-role">Role</label><select id="staff-role" name="role">${options(
    STAFF_ROLES.map((r) => ({ id: r, name: r.replace("_", " ") })),
    "front_desk",
  )}</select></div></div>
<p><button type="submit">Add staff login</button></p></form>`;
  return kit.page(request, reply, { title: "Settings", active: "/settings", body, status: state.status });
}

export function settingsRoutes(app: App, kit: Kit) {
  const guard = kit.guard("clinic:admin");
  app.get("/settings", { schema: { hide: true }, preHandler: guard }, (request, reply) => render(kit, request, reply));

  app.post("/settings", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    const staff = staffOf(request);
    const current = await getSettings(kit.deps, staff.caller);
    if (!current.ok) return kit.notFound(request, reply);
    const form = formOf(request);
    const main = parse(form);
    const life = parseLifecycle(form, policyCategories(current.value, await viewServiceCategories(kit.deps, staff.caller.clinicId)), current.value);
    const values = { ...main.values, ...life.values };
    const patch = { ...main.patch, ...life.patch };
    const errors = [...main.errors, ...life.errors];
    if (errors.length) return render(kit, request, reply, { values, failed: { detail: null, errors }, status: 422 });
    const result = await changeSettings(kit.deps, staff.caller, patch);
    if (result.ok) return seeOther(reply, "/settings", "settings_saved");
    return render(kit, request, reply, { values, failed: { detail: result.detail, errors: result.errors }, status: statusOf(result) });
  });

  app.post("/settings/staff", { schema: { hide: true }, preHandler: guard }, async (request, reply) => {
    const form = formOf(request);
    const role = one(form, "role");
    const input = {
      email: one(form, "email"),
      name: one(form, "name"),
      password: typeof form.password === "string" ? form.password : "",
      role: role as StaffRole,
    };
    if (!(STAFF_ROLES as readonly string[]).includes(role)) {
      return render(kit, request, reply, { staffFailed: { detail: null, errors: [{ path: "/role", message: "choose a role" }] }, status: 422 });
    }
    const result = await createStaffUser(kit.deps, staffOf(request).caller, input);
    if (result.ok) return seeOther(reply, "/settings", "staff_added");
    return render(kit, request, reply, { staffFailed: { detail: result.detail, errors: result.errors }, status: statusOf(result) });
  });
}
