// What the dashboard's event stream (GET /events) asks while it is open: a fingerprint of the board,
// for the poller that stands in when there is no LISTEN connection, and whether the session that opened
// the stream is still live (a logged-out or expired session stops receiving). Reads only.
import { boardSignature } from "../store/dashboard.ts";
import { liveSessionByHash } from "../store/staff.ts";
import type { Deps } from "./deps.ts";

/** Changes whenever an offer, an opening or an appointment of the clinic changes state. */
export function boardFingerprint(deps: Deps, clinicId: string): Promise<string> {
  return boardSignature(deps.db, clinicId);
}

export async function sessionIsLive(deps: Deps, tokenHash: string, now: Date): Promise<boolean> {
  return (await liveSessionByHash(deps.db, tokenHash, now)) !== null;
}
