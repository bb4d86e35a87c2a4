// The page shell (header, navigation by permission, notices) and the small form pieces every page uses.
import type { Permission } from "../../core/permissions.ts";
import type { FieldError } from "../../core/result.ts";
import { html, type Html } from "../html.ts";

export interface Shell {
  title: string;
  /** The nav item to mark as current (its href). */
  active: string;
  body: Html;
  clinicName: string;
  userName: string;
  role: string;
  permissions: readonly Permission[];
  csrf: string;
  devInbox: boolean;
  notice?: string | null;
}

interface NavItem {
  href: string;
  label: string;
  needs: Permission | "any" | "dev";
}

export const NAV: NavItem[] = [
  { href: "/", label: "Today", needs: "booking:manage_schedule" },
  { href: "/appointments", label: "Appointments", needs: "booking:manage_schedule" },
  { href: "/waitlist", label: "Waitlist", needs: "booking:manage_waitlist" },
  { href: "/openings", label: "Openings", needs: "booking:manage_schedule" },
  { href: "/closures", label: "Closures", needs: "booking:manage_schedule" },
  { href: "/notifications", label: "Notifications", needs: "booking:manage_waitlist" },
  { href: "/outreach", label: "Outreach", needs: "booking:manage_waitlist" },
  { href: "/analytics", label: "Analytics", needs: "booking:view_analytics" },
  { href: "/settings", label: "Settings", needs: "clinic:admin" },
  { href: "/dev/inbox", label: "Dev inbox", needs: "dev" },
];

export function layout(s: Shell): string {
  const nav = NAV.filter((n) => (n.needs === "dev" ? s.devInbox : n.needs === "any" || s.permissions.includes(n.needs)));
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex"><title>${s.title} · Backfill</title>
<link rel="stylesheet" href="/assets/dashboard.css"><script src="/assets/dashboard.js" defer></script></head>
<body><header class="top"><a class="brand" href="/">Backfill</a><span class="clinic">${s.clinicName}</span>
<form method="post" action="/logout" class="logout"><input type="hidden" name="_csrf" value="${s.csrf}">
<span class="who">${s.userName} · ${s.role.replace("_", " ")}</span><button type="submit">Log out</button></form></header>
<nav class="tabs" aria-label="Dashboard">${nav.map(
    (n) => html`<a href="${n.href}"${n.href === s.active ? html` aria-current="page"` : ""}>${n.label}</a>`,
  )}</nav>
<main><h1>${s.title}</h1>${s.notice ? html`<p class="notice" role="status">${s.notice}</p>` : ""}${s.body}</main></body></html>`}`;
}

/** A bare page (login, errors without a session). */
export function barePage(title: string, body: Html): string {
  return `<!doctype html>${html`<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="robots" content="noindex">
<title>${title} · Backfill</title><link rel="stylesheet" href="/assets/dashboard.css"></head>
<body class="bare"><main>${body}</main></body></html>`}`;
}

export const csrfField = (token: string) => html`<input type="hidden" name="_csrf" value="${token}">`;

/** The messages for one field (path prefix match: "/windows/0" covers "/windows/0/start"). */
export function fieldError(errors: FieldError[] | undefined, path: string): Html | "" {
  const mine = (errors ?? []).filter((e) => e.path === path || e.path.startsWith(`${path}/`));
  return mine.length ? html`<span class="field-error" role="alert">${mine.map((e) => e.message).join("; ")}</span>` : "";
}

/** The form's error summary, naming each bad field by its label. */
export function errorSummary(detail: string | null, errors: FieldError[] | undefined, labels: Record<string, string>): Html | "" {
  if (!detail && !errors?.length) return "";
  const label = (path: string) => labels[path] ?? labels[path.replace(/\/[^/]*$/, "")] ?? path.replace(/^\//, "");
  return html`<div class="errors" role="alert"><p>${errors?.length ? "Please fix:" : detail}</p>${
    errors?.length ? html`<ul>${errors.map((e) => html`<li><strong>${label(e.path)}</strong>: ${e.message}</li>`)}</ul>` : ""
  }</div>`;
}

export function options(items: { id: string; name: string }[], selected: string | string[] | null | undefined, blank?: string): Html {
  const chosen = new Set(Array.isArray(selected) ? selected : selected ? [selected] : []);
  return html`${blank !== undefined ? html`<option value="">${blank}</option>` : ""}${items.map(
    (i) => html`<option value="${i.id}"${chosen.has(i.id) ? html` selected` : ""}>${i.name}</option>`,
  )}`;
}

export const statusBadge = (status: string) => html`<span class="badge s-${status.toLowerCase()}">${status}</span>`;
