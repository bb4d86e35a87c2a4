// The importer's progress: on a terminal one line redrawn in place (a bar by the share of the file read, the
// rows done and the counts); otherwise (a log, CI) a line every 1,000 rows or 5 s, whichever comes first.
// The file is streamed, so its row count is unknown until the end: the bar follows bytes read.

export interface Counts {
  created: number;
  updated: number;
  unchanged: number;
  refused: number;
}

export const countsLine = (c: Counts) => `created ${c.created}, updated ${c.updated}, unchanged ${c.unchanged}, refused ${c.refused}`;

const EVERY_ROWS = 1000;
const EVERY_MS = 5000;
/** A terminal is redrawn at most this often (a 100k-row import would otherwise write 100k lines of escapes). */
const REDRAW_MS = 100;
const WIDTH = 24;

export interface ProgressOut {
  write(text: string): unknown;
  isTTY?: boolean;
}

export class Progress {
  private lastAt = 0;
  private lastRows = 0;
  private drawn = false;

  constructor(
    private readonly out: ProgressOut,
    private readonly totalBytes: number,
    private readonly now: () => number = Date.now,
  ) {
    this.lastAt = now();
  }

  /** After each row: `rows` done so far, `bytes` of the file read. */
  update(rows: number, bytes: number, counts: Counts): void {
    const at = this.now();
    if (this.out.isTTY) {
      if (at - this.lastAt < REDRAW_MS) return;
      // A pipe's size is unknown (0): rows and counts only.
      const share = Math.min(bytes / this.totalBytes, 1);
      const filled = Math.round(share * WIDTH);
      const bar = this.totalBytes > 0 ? `[${"#".repeat(filled)}${".".repeat(WIDTH - filled)}] ${String(Math.floor(share * 100)).padStart(3)}% ` : "";
      this.out.write(`\r${bar}${rows} rows: ${countsLine(counts)}\x1b[K`);
      this.drawn = true;
    } else {
      if (rows - this.lastRows < EVERY_ROWS && at - this.lastAt < EVERY_MS) return;
      this.out.write(`${rows} rows: ${countsLine(counts)}\n`);
      this.lastRows = rows;
    }
    this.lastAt = at;
  }

  /** Clears the terminal's line before the summary is printed. */
  done(): void {
    if (this.drawn) this.out.write("\r\x1b[K");
  }
}
