// The offer page's states (src/core/offer-page.ts), one view each. Every form is a real POST that works
// without script; the script (offer-script.ts) only adds the countdown, live status and push opt-in.
import type { Alternative } from "../core/alternatives.ts";
import { appointmentTitle, googleCalendarLink } from "../core/calendar.ts";
import { PUSH_OPT_IN_WORDING } from "../core/push-opt-in.ts";
import type { OfferPage } from "../flows/view-offer-page.ts";
import { html, type Html } from "./html.ts";
import { duration, phoneForPeople, remaining, timeOrWhen, when } from "./offer-format.ts";

export type Flash = "alt_taken" | "error" | "held";

export interface ViewInput {
  page: OfferPage;
  token: string;
  clinicPhone: string | null;
  /** Web push is configured on the server (the script still checks the browser supports it). */
  pushEnabled: boolean;
  flash: Flash | null;
}

export interface View {
  title: string;
  body: Html;
}

const FLASHES: Record<Flash, string> = {
  alt_taken: "Sorry, that time was just booked by someone else. Here is what is still free.",
  error: "Sorry, something went wrong. Please try again.",
  held: "Someone else is paying to book this time right now. If they don't finish within 90 seconds, it's yours to book: please try again in a minute.",
};

export function offerView(v: ViewInput): View {
  const { page } = v;
  const flash = v.flash ? html`<p class="flash" role="alert">${FLASHES[v.flash]}</p>` : null;
  const body = (() => {
    switch (page.state) {
      case "open":
      case "scheduled":
        return openView(v);
      case "accepted":
        return acceptedView(v);
      case "declined":
        return declinedView(v);
      case "expired":
        return expiredView(v);
      case "taken":
        return takenView(v);
      default: {
        const unreachable: never = page.state;
        throw new Error(`no view for ${String(unreachable)}`);
      }
    }
  })();
  const clinic = page.view.slot.clinicName;
  return { title: `${clinic}: ${TITLES[page.state]}`, body: html`<p class="clinic">${clinic}</p>${flash}${body}` };
}

const TITLES: Record<OfferPage["state"], string> = {
  open: "an appointment opened up",
  scheduled: "an appointment opened up",
  accepted: "you're booked",
  declined: "you passed on this time",
  expired: "this offer has expired",
  taken: "this time was taken",
};

/** The visit: time in the patient's zone (and the clinic's when it differs), service, provider, length. */
function visit(page: OfferPage, at: { start: Date; end: Date; providerName: string; serviceName: string }, gone = false): Html {
  const { patientTimezone: mine, clinicTimezone: theirs } = page.view;
  const clinicTime = mine !== theirs ? html`<p class="also">${when(at.start, theirs)} at the clinic</p>` : null;
  return html`<section class="${gone ? "card gone" : "card"}" id="visit" aria-label="The appointment">
<p class="when"><strong>${when(at.start, mine)}</strong></p>${clinicTime}
<p class="what">${at.serviceName} with ${at.providerName} <span class="nowrap">· ${duration(at.start, at.end)}</span></p>
</section>`;
}

function openView(v: ViewInput): Html {
  const { page, token } = v;
  const t = encodeURIComponent(token);
  const hold =
    page.state === "open" && page.view.holdExpiresAt
      ? html`<p class="hold" id="hold">Held for you until <strong><time datetime="${page.view.holdExpiresAt.toISOString()}">${timeOrWhen(page.view.holdExpiresAt, page.now, page.view.patientTimezone)}</time></strong>
<span class="countdown" id="countdown" role="timer">(${remaining(page.remainingMs ?? 0)} left)</span></p>`
      : html`<p class="hold" id="hold">This time is held for you while you decide.</p>`;
  return html`<h1 id="heading" tabindex="-1">An appointment opened up for you</h1>
${visit(page, page.view.slot)}
${hold}
<div class="actions" id="offer-actions">
<form method="post" action="/o/${t}/accept"><button class="btn primary" type="submit">Book this time</button></form>
<form method="post" action="/o/${t}/decline"><button class="btn secondary" type="submit">No thanks</button></form>
</div>
<p class="live" id="live" role="status" aria-live="polite"></p>
<div id="alternatives"></div>
${pushOptIn(v)}`;
}

function acceptedView(v: ViewInput): Html {
  const { page, token } = v;
  const booked = page.booked;
  if (!booked) return html`<h1 id="heading" tabindex="-1">You're booked</h1>${visit(page, page.view.slot)}${howToCancel(v)}`;
  if (booked.cancelled) {
    return html`<h1 id="heading" tabindex="-1">This appointment was cancelled</h1>${visit(page, booked)}
<p>If you did not mean to cancel, please call the clinic.</p>`;
  }
  const clinic = page.view.slot.clinicName;
  const google = googleCalendarLink({
    start: booked.start,
    end: booked.end,
    title: appointmentTitle(clinic),
    details: cancelText(v),
    location: clinic,
    zone: page.view.patientTimezone,
  });
  return html`<h1 id="heading" tabindex="-1">You're booked</h1>
<p class="lead ok" role="status">See you ${when(booked.start, page.view.patientTimezone)}.</p>
${visit(page, booked)}
<h2>Add it to your calendar</h2>
<div class="actions">
<a class="btn secondary" id="ics" href="/o/${encodeURIComponent(token)}/calendar.ics" download="appointment.ics">Download calendar file (.ics)</a>
<a class="btn secondary" id="google" href="${google}" target="_blank" rel="noopener noreferrer">Add to Google Calendar</a>
</div>
${howToCancel(v)}`;
}

function cancelText(v: ViewInput): string {
  const clinic = v.page.view.slot.clinicName;
  return v.clinicPhone ? `To cancel or change it, call ${clinic} at ${phoneForPeople(v.clinicPhone)}.` : `To cancel or change it, call ${clinic}.`;
}

function howToCancel(v: ViewInput): Html {
  const clinic = v.page.view.slot.clinicName;
  const phone = v.clinicPhone ? html` at <a href="tel:${v.clinicPhone}">${phoneForPeople(v.clinicPhone)}</a>` : null;
  return html`<h2>Need to cancel or change it?</h2>
<p>Please call ${clinic}${phone} as early as you can, so that someone on the waitlist can have the time.</p>`;
}

function declinedView(v: ViewInput): Html {
  return html`<h1 id="heading" tabindex="-1">No problem</h1>
<p class="lead" role="status">You passed on this time. You are still on the waitlist, and we will let you know when another time opens up.</p>
${visit(v.page, v.page.view.slot)}
${pushOptIn(v)}`;
}

function expiredView(v: ViewInput): Html {
  const { page } = v;
  const hold = page.view.holdExpiresAt;
  const why =
    page.view.offer.status === "WITHDRAWN" || !hold || hold.getTime() > page.now.getTime()
      ? "This time is no longer available."
      : `The hold on this time ended at ${timeOrWhen(hold, page.now, page.view.patientTimezone)}.`;
  return html`<h1 id="heading" tabindex="-1">This offer has expired</h1>
<p class="lead" role="status">${why}</p>
${visit(page, page.view.slot, true)}
${alternatives(v)}
${pushOptIn(v)}`;
}

function takenView(v: ViewInput): Html {
  return html`<h1 id="heading" tabindex="-1">Sorry, this time was just taken</h1>
<p class="lead" role="status">Someone else booked it first.</p>
${visit(v.page, v.page.view.slot, true)}
${alternatives(v)}
${pushOptIn(v)}`;
}

/** Other openings, each booked by one tap (one POST). */
export function alternatives(v: ViewInput): Html {
  const zone = v.page.view.patientTimezone;
  const items = v.page.alternatives;
  if (items.length === 0) {
    return html`<section id="alternatives" aria-labelledby="alt-h"><h2 id="alt-h">Other times</h2>
<p>No other times are free right now. You are still on the waitlist, and we will let you know when one opens up.</p></section>`;
  }
  return html`<section id="alternatives" aria-labelledby="alt-h"><h2 id="alt-h">Other times you can book now</h2>
<p class="muted">One tap books it.</p>
<ul class="alts">${items.map((a) => alternativeItem(v.token, a, zone))}</ul></section>`;
}

function alternativeItem(token: string, a: Alternative, zone: string): Html {
  const action = `/o/${encodeURIComponent(token)}/alternatives/${encodeURIComponent(a.slotId)}/accept`;
  const who = a.providerName ? html` <span class="alt-who">with ${a.providerName}</span>` : null;
  return html`<li><form method="post" action="${action}"><button class="btn alt" type="submit"><span class="sr-only">Book </span><span class="alt-when">${when(a.start, zone)}</span>${who}</button></form></li>`;
}

function pushOptIn(v: ViewInput): Html | null {
  if (!v.pushEnabled) return null;
  return html`<section class="push" id="push" hidden aria-labelledby="push-h">
<h2 id="push-h">Hear about openings first</h2>
<p>${PUSH_OPT_IN_WORDING}</p>
<button class="btn secondary" id="push-button" type="button">Turn on notifications</button>
<p id="push-status" role="status"></p>
</section>`;
}

export function notFoundView(): View {
  return {
    title: "This link is not valid",
    body: html`<h1 id="heading" tabindex="-1">This link is not valid</h1>
<p class="lead">It may be mistyped or very old. If a clinic sent it to you, please call them.</p>`,
  };
}
