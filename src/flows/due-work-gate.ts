// Who may sweep due work when: background rounds share the gate, a test-clock drain holds it alone
// (the reason is in store/due-work-gate.ts). The jobs layer reaches the database through flows only.
import { throughDueWorkGate } from "../store/due-work-gate.ts";
import type { Deps } from "./deps.ts";

/** A background worker's round: runs beside other rounds, never beside a test-clock drain. */
export const asWorkerRound = <T>(deps: Deps, fn: () => Promise<T>): Promise<T> => throughDueWorkGate(deps.db, "shared", fn);

/** A drain that must see every due row: waits for rounds in flight to finish, and keeps new ones out. */
export const alone = <T>(deps: Deps, fn: () => Promise<T>): Promise<T> => throughDueWorkGate(deps.db, "exclusive", fn);
