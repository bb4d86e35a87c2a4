// GET /r/:token — the patient's reschedule / rebook page: server-rendered, no script at all (every choice is a
// plain POST form, so a link scanner opening the page changes nothing). Same stylesheet and CSP as the offer page.
import type { Alternative } from "../core/alternatives.ts";
import { appointmentTitle, googleCalendarLink } from "../core/calendar.ts";
import type { Appointment } from "../core/types.ts";
import type { MovePage } from "../flows/reschedule-appointment.ts";
import { html, unsafeRaw, type Html } from "./html.ts";
import { duration, phoneForPeople, when } from "./offer-format.ts";
import { OFFER_CSS } from "./offer-style.ts";

export type MoveFlash = "taken" | "error";

export interface MovePageInput {
  page: MovePage;
  token: string;
  clinicPhone: string | null;
  flash: MoveFlash | null;
}

const FLASHES: Record<MoveFlash, string> = {
  taken: "Sorry, that time was just taken. Here is what is still free.",
  error: "Sorry, something went wrong. Please try again, or call us.",
};

/** The whole document (or, with null, the "not a valid link" page). */
export function renderMovePage(input: MovePageInput | null, nonce: string): string {
  const view = input ? pageView(input) : { title: "This link is not valid", body: notFound() };
  const state = input ? input.page.state : "unknown";
  return html`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width,initial-scale=1">
<meta name="robots" content="noindex,nofollow">
<meta name="referrer" content="no-referrer">
<meta name="color-scheme" content="light">
<title>${view.title}</title>
<style nonce="${nonce}">${unsafeRaw(OFFER_CSS)}</style>
</head>
<body>
<main id="main" data-state="${state}">
${view.body}
</main>
</body>
</html>
`.value;
}

function pageView(v: MovePageInput): { title: string; body: Html } {
  const { page } = v;
  const flash = v.flash ? html`<p class="flash" role="alert">${FLASHES[v.flash]}</p>` : null;
  const head = html`<p class="clinic">${page.clinicName}</p>${flash}`;
  switch (page.state) {
    case "reschedule":
      return { title: `${page.clinicName}: your appointment`, body: html`${head}${rescheduleView(v)}` };
    case "rebook":
      return { title: `${page.clinicName}: book a new time`, body: html`${head}${rebookView(v)}` };
    case "moved":
      return { title: `${page.clinicName}: you're booked`, body: html`${head}${movedView(v)}` };
    case "expired":
      return {
        title: `${page.clinicName}: this link has expired`,
        body: html`${head}<h1 id="heading">This link has expired</h1>
<p class="lead">${page.purpose === "RESCHEDULE" ? "The appointment it was for has started or passed." : "It was valid for 14 days."}</p>
${callUs(v)}`,
      };
    case "closed":
      return {
        title: `${page.clinicName}: this appointment can't be changed here`,
        body: html`${head}<h1 id="heading">This appointment can't be changed here</h1>
<p class="lead">${closedWhy(page.appointment)}</p>
${visit(page, page.appointment, true)}
${callUs(v)}`,
      };
    default: {
      const never: never = page.state;
      throw new Error(`no view for ${String(never)}`);
    }
  }
}

function closedWhy(a: Appointment): string {
  switch (a.status) {
    case "CANCELLED":
      return "It was cancelled.";
    case "CHECKED_IN":
    case "COMPLETED":
      return "You have already checked in.";
    case "NO_SHOW":
      return "To book again, please call us: a deposit is needed first.";
    default:
      return "It is no longer upcoming.";
  }
}

/** The visit: the time in the patient's zone (and the clinic's when it differs), who with, how long. */
function visit(page: MovePage, a: Appointment, gone = false): Html {
  const mine = page.patientTimezone;
  const theirs = page.clinicTimezone;
  const clinicTime = mine !== theirs ? html`<p class="also">${when(a.start, theirs)} at the clinic</p>` : null;
  const who = page.providerName && a.providerId === (page.movedTo ?? page.appointment).providerId ? html`With ${page.providerName} ` : null;
  return html`<section class="${gone ? "card gone" : "card"}" id="visit" aria-label="The appointment">
<p class="when"><strong>${when(a.start, mine)}</strong></p>${clinicTime}
<p class="what">${who}<span class="nowrap">· ${duration(a.start, a.end)}</span></p>
</section>`;
}

function calendar(v: MovePageInput, a: Appointment): Html {
  const google = googleCalendarLink({
    start: a.start,
    end: a.end,
    title: appointmentTitle(v.page.clinicName),
    details: v.clinicPhone ? `To change it, call ${v.page.clinicName} at ${phoneForPeople(v.clinicPhone)}.` : `To change it, call ${v.page.clinicName}.`,
    location: v.page.clinicName,
    zone: v.page.patientTimezone,
  });
  return html`<h2>Add it to your calendar</h2>
<div class="actions">
<a class="btn secondary" id="ics" href="/r/${encodeURIComponent(v.token)}/calendar.ics" download="appointment.ics">Download calendar file (.ics)</a>
<a class="btn secondary" id="google" href="${google}" target="_blank" rel="noopener noreferrer">Add to Google Calendar</a>
</div>`;
}

function rescheduleView(v: MovePageInput): Html {
  const { page } = v;
  return html`<h1 id="heading">Your appointment</h1>
${visit(page, page.appointment)}
${calendar(v, page.appointment)}
<h2 id="choices-h">Need another time?</h2>
<p class="muted">Moving it is free. One tap books the new time and gives this one back to the clinic.</p>
${choices(v)}
${callUs(v)}`;
}

function rebookView(v: MovePageInput): Html {
  const { page } = v;
  const discount = page.discountPercent > 0 ? html`<p class="lead ok">${page.discountPercent}% off your next visit.</p>` : null;
  return html`<h1 id="heading">Let's find you a new time</h1>
<p class="lead">We missed you on ${when(page.appointment.start, page.patientTimezone)}. We'd be glad to see you soon.</p>
${discount}
${choices(v)}
${callUs(v)}`;
}

function movedView(v: MovePageInput): Html {
  const { page } = v;
  const moved = page.movedTo!;
  if (moved.status === "CANCELLED") {
    return html`<h1 id="heading">This appointment was cancelled</h1>${visit(page, moved, true)}${callUs(v)}`;
  }
  const discount = moved.discountPercent > 0 ? html`<p>${moved.discountPercent}% off this visit.</p>` : null;
  return html`<h1 id="heading">You're booked</h1>
<p class="lead ok" role="status">See you ${when(moved.start, page.patientTimezone)}.</p>
${visit(page, moved)}
${discount}
${calendar(v, moved)}
${callUs(v)}`;
}

/** Other times, each booked by one tap (one POST). */
function choices(v: MovePageInput): Html {
  const items = v.page.choices;
  if (items.length === 0) {
    return html`<section id="choices"><p>No other times are free in the next 14 days.</p></section>`;
  }
  return html`<section id="choices" aria-labelledby="choices-h"><ul class="alts">${items.map((a) => choice(v, a))}</ul></section>`;
}

function choice(v: MovePageInput, a: Alternative): Html {
  const action = `/r/${encodeURIComponent(v.token)}/openings/${encodeURIComponent(a.slotId)}`;
  const who = a.providerName ? html` <span class="alt-who">with ${a.providerName}</span>` : null;
  return html`<li><form method="post" action="${action}"><button class="btn alt" type="submit"><span class="sr-only">Book </span><span class="alt-when">${when(a.start, v.page.patientTimezone)}</span>${who}</button></form></li>`;
}

function callUs(v: MovePageInput): Html {
  const phone = v.clinicPhone ? html` at <a href="tel:${v.clinicPhone}">${phoneForPeople(v.clinicPhone)}</a>` : null;
  return html`<h2>Rather talk to someone?</h2>
<p>Call ${v.page.clinicName}${phone}. To cancel, reply X to the reminder text or call us.</p>`;
}

function notFound(): Html {
  return html`<h1 id="heading">This link is not valid</h1>
<p class="lead">It may be mistyped or very old. If a clinic sent it to you, please call them.</p>`;
}
