// The dev outbox (never in production): what patients would have received on channels that are not
// configured, for GET /api/dev/outbox and the dev inbox page. A null clinic is the admin's view of all.
import { getOutbox, listOutbox, type OutboxMessage } from "../store/outbox.ts";
import type { Deps } from "./deps.ts";

export type { OutboxMessage };

/** The newest 1000, oldest first; `to` narrows it to one address. */
export function viewOutbox(deps: Deps, clinicId: string | null, to?: string): Promise<OutboxMessage[]> {
  return listOutbox(deps.db, clinicId, to);
}

export function findOutboxMessage(deps: Deps, clinicId: string | null, id: string): Promise<OutboxMessage | null> {
  return getOutbox(deps.db, clinicId, id);
}
