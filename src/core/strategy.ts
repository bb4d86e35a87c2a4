// How many offers go out in the next wave for an opening, and how long each hold lasts.
import { MIN_HOLD_MINUTES } from "./hold.ts";
import type { Strategy } from "./settings.ts";
import { minutesBetween } from "./time.ts";

export interface WaveInput {
  strategy: Strategy;
  /** The clinic's waveSize setting (broadcast size; adaptive's floor for its largest wave). */
  waveSize: number;
  holdMinutes: number;
  cutoffMinutes: number;
  now: Date;
  slotStart: Date;
  /** 1 for the first wave of this opening. */
  waveNumber: number;
  /** Entries that fit right now, best first; the wave takes from the top. */
  candidates: number;
}

export interface WavePlan {
  size: number;
  holdMinutes: number;
}

// Adaptive keeps at least this many rounds before the cut-off while it can: one patient's silence
// then costs a quarter of the time left, not all of it.
const ADAPTIVE_ROUNDS = 4;
// The shortest hold adaptive chooses on purpose: a text read 15 minutes late is still answerable.
const ADAPTIVE_MIN_HOLD = 15;
// The largest wave adaptive sends unless the clinic's waveSize is larger: past ten "sorry, taken"
// replies the broadcast costs more goodwill than the slot is worth.
const ADAPTIVE_MAX_WAVE = 10;

/**
 * The next wave, or null when there is nobody to offer to or too little time for a minimum hold.
 *
 * - sequential: one offer, full hold. Fair and quiet, slow.
 * - broadcast:  waveSize offers at once, full hold; the first to accept wins.
 * - adaptive:   time left T = start − cut-off − now. While T allows every candidate a full hold in
 *   turn (T ≥ candidates × hold) it is sequential. Otherwise the hold shrinks to T / 4 (never under
 *   15 min, never over the clinic's hold), which leaves R = ⌊T / hold⌋ rounds, and the wave grows to
 *   reach everyone in those rounds: ⌈candidates / R⌉, and at least 2^(wave − 1) so that waves keep
 *   growing as answers fail to come; capped at max(waveSize, 10).
 */
export function planWave(input: WaveInput): WavePlan | null {
  const timeLeft = minutesBetween(input.now, input.slotStart) - input.cutoffMinutes;
  if (input.candidates <= 0 || timeLeft < MIN_HOLD_MINUTES) return null;
  const fullHold = Math.min(input.holdMinutes, Math.floor(timeLeft));
  switch (input.strategy) {
    case "sequential":
      return { size: 1, holdMinutes: fullHold };
    case "broadcast":
      return { size: Math.min(input.waveSize, input.candidates), holdMinutes: fullHold };
    case "adaptive": {
      if (timeLeft >= input.candidates * input.holdMinutes) return { size: 1, holdMinutes: input.holdMinutes };
      // The clinic's hold is the ceiling even when it is under ADAPTIVE_MIN_HOLD (settings allow 10).
      const hold = Math.floor(Math.min(input.holdMinutes, Math.max(ADAPTIVE_MIN_HOLD, timeLeft / ADAPTIVE_ROUNDS)));
      const holdMinutes = Math.max(MIN_HOLD_MINUTES, Math.min(hold, Math.floor(timeLeft)));
      const rounds = Math.max(1, Math.floor(timeLeft / holdMinutes));
      const growth = 2 ** Math.min(input.waveNumber - 1, 10);
      const cap = Math.max(input.waveSize, ADAPTIVE_MAX_WAVE);
      const size = Math.min(cap, input.candidates, Math.max(Math.ceil(input.candidates / rounds), growth));
      return { size, holdMinutes };
    }
    default: {
      const never: never = input.strategy;
      throw new Error(`unknown strategy ${String(never)}`);
    }
  }
}

/** The next wave for an opening under a clinic's settings. */
export function nextWave(
  settings: { strategy: Strategy; waveSize: number; holdMinutes: number; cutoffMinutes: number },
  opening: { start: Date; waveCount: number },
  now: Date,
  candidates: number,
): WavePlan | null {
  return planWave({
    strategy: settings.strategy,
    waveSize: settings.waveSize,
    holdMinutes: settings.holdMinutes,
    cutoffMinutes: settings.cutoffMinutes,
    now,
    slotStart: opening.start,
    waveNumber: opening.waveCount + 1,
    candidates,
  });
}
