// X-Twilio-Signature: HMAC-SHA1 (auth token) over the URL Twilio called followed by each POST param name and
// value, sorted by name, base64. Checked with the twilio package's own validator (constant-time compare), not
// a hand-rolled one. Imported from its webhooks module directly: `import twilio from "twilio"` loads the whole
// REST client (axios, jsonwebtoken, every API) — about 110 ms at startup against about 10 ms for this module.
import { validateRequest } from "twilio/lib/webhooks/webhooks.js";

/**
 * True only when `signature` is what Twilio computes for this request. `publicUrl` is the exact URL Twilio
 * called as configured on our side (BACKFILL_PUBLIC_URL + path + query), never one built from the Host
 * header, which the caller controls.
 */
export function verifyTwilioSignature(authToken: string, publicUrl: string, params: Record<string, string>, signature: string | undefined): boolean {
  if (!authToken || !signature) return false;
  try {
    return validateRequest(authToken, signature, publicUrl, params);
  } catch {
    // validateRequest parses the URL with `new URL()` on its fallback path; a malformed URL is a mismatch.
    return false;
  }
}
