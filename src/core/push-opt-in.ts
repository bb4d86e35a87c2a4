// Web push opt-in from an offer page: the words the patient agrees to (kept with the consent record)
// and which subscription endpoints we accept.

/** Shown next to the button on the offer page and recorded as the consent's wording. */
export const PUSH_OPT_IN_WORDING = "Get a notification on this device when a time opens up.";

/**
 * Why this endpoint may not be kept, or null when it may. Only https on a public host name or address:
 * we must never be made to post to an address inside the clinic's network. Browsers' push services
 * (fcm.googleapis.com, updates.push.services.mozilla.com, web.push.apple.com, *.notify.windows.com)
 * all pass. IPv6 unique-local (fc00::/7) is matched only as a bracketed address: an earlier pattern
 * matched any host starting with "fc"/"fd" and so refused every Chrome subscription (fcm.googleapis.com).
 */
export function pushEndpointProblem(endpoint: string): string | null {
  let url: URL;
  try {
    url = new URL(endpoint);
  } catch {
    return "must be a URL";
  }
  if (url.protocol !== "https:" || url.username || url.password || isPrivateHost(url.hostname)) {
    return "must be an https address of a public push service";
  }
  return null;
}

// The URL parser has already normalised the host: lower case, IPv4 in dotted decimal (so 2130706433
// and 0x7f.1 arrive as 127.0.0.1), IPv6 bracketed and compressed.
const PRIVATE_NAME = /(^|\.)(localhost|local|internal|localdomain|home\.arpa)$/;
const PRIVATE_V4 = /^(0|10|127)\.|^169\.254\.|^192\.168\.|^172\.(1[6-9]|2\d|3[01])\.|^100\.(6[4-9]|[7-9]\d|1[01]\d|12[0-7])\./;
const PRIVATE_V6 = /^\[(::|::1|f[cd][0-9a-f]*:.*|fe[89ab][0-9a-f]*:.*|::ffff:.*)\]$/;

function isPrivateHost(host: string): boolean {
  const name = host.replace(/\.$/, "");
  if (name === "" || (!name.includes(".") && !name.startsWith("["))) return true; // a single label: an intranet name
  return PRIVATE_NAME.test(name) || PRIVATE_V4.test(name) || PRIVATE_V6.test(name);
}
