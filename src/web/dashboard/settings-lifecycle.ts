// The Settings page's lifecycle part: reminders, no-shows (grace, the ladder's discount and deposit), the
// staff alert address, and the cancellation policy of each service category — the same fields and bounds
// as PATCH /api/booking/settings (src/http/entities.ts SettingsFields), so the form never asks for what the
// API refuses. Money is typed in dollars here and stored in cents.
import { policyFor } from "../../core/fees.ts";
import type { CancellationPolicy, Settings } from "../../core/settings.ts";
import type { FieldError } from "../../core/result.ts";
import { html, type Html } from "../html.ts";
import { fieldError } from "./layout.ts";
import { one, type Form } from "./kit.ts";

export const LIFECYCLE_NUMBERS = [
  { key: "reminderHoursBefore", label: "Reminder (hours before)", min: 0, max: 336 },
  { key: "noShowGraceMinutes", label: "No-show after (minutes late)", min: 0, max: 240 },
  { key: "noShowDiscountPercent", label: "1st no-show: rebooking discount (%)", min: 0, max: 100 },
] as const;

const POLICY_FIELDS = [
  { key: "gracePeriodMinutes", short: "grace", label: "Free within (min of booking, waitlist)", max: 10080 },
  { key: "feePercent", short: "fee", label: "Late fee (% of price)", max: 100 },
  { key: "noticeHours", short: "notice", label: "Late inside (hours)", max: 720 },
  { key: "fullChargeHours", short: "full", label: "Full price inside (hours)", max: 720 },
] as const;

export const LIFECYCLE_LABELS: Record<string, string> = {
  ...Object.fromEntries(LIFECYCLE_NUMBERS.map((n) => [`/${n.key}`, n.label])),
  "/noShowDepositCents": "2nd no-show: deposit ($)",
  "/staffAlertEmail": "Staff alert email",
};

export type LifecycleValues = Record<string, string>;

/** The form's values for `s`; a listed category without a policy of its own shows the one it uses (default). */
export function lifecycleValues(s: Settings, categories: string[]): LifecycleValues {
  const v: LifecycleValues = Object.fromEntries(LIFECYCLE_NUMBERS.map((n) => [n.key, String(s[n.key])]));
  v.noShowDeposit = (s.noShowDepositCents / 100).toFixed(2);
  v.staffAlertEmail = s.staffAlertEmail ?? "";
  for (const category of categories) {
    const p = policyFor(s.cancellationPolicies, category);
    for (const f of POLICY_FIELDS) v[`policy.${category}.${f.short}`] = String(p[f.key]);
  }
  return v;
}

const CATEGORY = /^[a-z0-9_-]{1,50}$/;

/** The lifecycle part of a settings patch from the form; the categories are those the form listed. */
export function parseLifecycle(
  form: Form,
  categories: string[],
  current: Settings,
): { values: LifecycleValues; patch: Partial<Settings>; errors: FieldError[] } {
  const values: LifecycleValues = {};
  const patch: Record<string, unknown> = {};
  const errors: FieldError[] = [];
  const whole = (raw: string, min: number, max: number) => {
    const v = Number(raw);
    return raw !== "" && Number.isInteger(v) && v >= min && v <= max ? v : null;
  };
  // A field the form did not send at all is left as it is (the page always sends every one).
  const sent = (name: string) => form[name] !== undefined;
  for (const n of LIFECYCLE_NUMBERS) {
    if (!sent(n.key)) continue;
    values[n.key] = one(form, n.key);
    const v = whole(values[n.key]!, n.min, n.max);
    if (v === null) errors.push({ path: `/${n.key}`, message: `must be a whole number from ${n.min} to ${n.max}` });
    else patch[n.key] = v;
  }
  values.noShowDeposit = one(form, "noShowDeposit");
  if (!sent("noShowDeposit")) {
    // left as it is
  } else if (/^\d{1,6}(\.\d{1,2})?$/.test(values.noShowDeposit)) patch.noShowDepositCents = Math.round(Number(values.noShowDeposit) * 100);
  else errors.push({ path: "/noShowDepositCents", message: "must be an amount in dollars, e.g. 50 or 49.99" });
  values.staffAlertEmail = one(form, "staffAlertEmail");
  if (sent("staffAlertEmail")) patch.staffAlertEmail = values.staffAlertEmail === "" ? null : values.staffAlertEmail; // the API checks the format
  const policies: Record<string, CancellationPolicy> = {};
  for (const category of categories.filter((c) => CATEGORY.test(c) && POLICY_FIELDS.some((f) => sent(`policy.${c}.${f.short}`)))) {
    const p: Record<string, number> = {};
    for (const f of POLICY_FIELDS) {
      const name = `policy.${category}.${f.short}`;
      values[name] = one(form, name);
      const v = whole(values[name]!, 0, f.max);
      if (v === null) errors.push({ path: `/cancellationPolicies/${category}/${f.key}`, message: `must be a whole number from 0 to ${f.max}` });
      else p[f.key] = v;
    }
    if (Object.keys(p).length === POLICY_FIELDS.length) policies[category] = p as unknown as CancellationPolicy;
  }
  // A category that had no policy of its own and still reads as the default keeps following the default.
  const asDefault = policies.default;
  for (const category of Object.keys(policies)) {
    const own = Object.hasOwn(current.cancellationPolicies, category);
    const p = policies[category]!;
    if (category !== "default" && !own && asDefault && POLICY_FIELDS.every((f) => p[f.key] === asDefault[f.key])) delete policies[category];
  }
  if (Object.keys(policies).length > 0) patch.cancellationPolicies = policies;
  return { values, patch: patch as Partial<Settings>, errors };
}

/** The categories the policy table lists: every policy the clinic has, and every service category. */
export function policyCategories(s: Settings, serviceCategories: string[]): string[] {
  const all = new Set([...Object.keys(s.cancellationPolicies), ...serviceCategories]);
  all.delete("default");
  return ["default", ...[...all].sort()];
}

export function lifecycleFieldset(v: LifecycleValues, categories: string[], errs: FieldError[] | undefined, inherited: Settings): Html {
  const input = (name: string, max: number, label: string) =>
    html`<input type="number" name="${name}" min="0" max="${max}" required value="${v[name] ?? ""}" aria-label="${label}">`;
  return html`<fieldset><legend>Reminders and no-shows</legend><div class="pair">
${LIFECYCLE_NUMBERS.map((n) => html`<div><label for="${n.key}">${n.label}</label><input type="number" id="${n.key}" name="${n.key}" min="${n.min}" max="${n.max}" required value="${v[n.key] ?? ""}">${fieldError(errs, `/${n.key}`)}</div>`)}
<div><label for="noShowDeposit">2nd no-show: deposit ($)</label><input type="text" inputmode="decimal" id="noShowDeposit" name="noShowDeposit" required value="${v.noShowDeposit ?? ""}">${fieldError(errs, "/noShowDepositCents")}</div>
<div><label for="staffAlertEmail">Staff alert email <span class="muted small">(no-shows, failed outreach)</span></label><input type="email" id="staffAlertEmail" name="staffAlertEmail" value="${v.staffAlertEmail ?? ""}">${fieldError(errs, "/staffAlertEmail")}</div>
</div><p class="muted small">3rd no-show and later: prepayment is required for new bookings.</p></fieldset>
<fieldset><legend>Cancellation policies (patients' cancellations; staff cancellations are free)</legend>
<div class="table-wrap"><table><thead><tr><th>Service category</th>${POLICY_FIELDS.map((f) => html`<th>${f.label}</th>`)}</tr></thead><tbody>
${categories.map(
  (
    c,
  ) => html`<tr data-policy="${c}"><td>${c}${c !== "default" && !(c in inherited.cancellationPolicies) ? html` <span class="muted small">(uses default until saved)</span>` : ""}</td>
${POLICY_FIELDS.map((f) => html`<td>${input(`policy.${c}.${f.short}`, f.max, `${c}: ${f.label}`)}${fieldError(errs, `/cancellationPolicies/${c}/${f.key}`)}</td>`)}</tr>`,
)}
</tbody></table></div></fieldset>`;
}
