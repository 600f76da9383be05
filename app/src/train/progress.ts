// A per-epoch progress bar on stderr: loss, accuracy, images/s and ETA. On a
// terminal it redraws one line; otherwise (a log file, a pipe) it prints a line
// at every tenth of the epoch.

function clock(seconds: number): string {
  if (!Number.isFinite(seconds)) return '--:--';
  const s = Math.max(0, Math.round(seconds));
  const m = Math.floor(s / 60);
  return `${m}:${String(s % 60).padStart(2, '0')}`;
}

export class ProgressBar {
  private readonly tty: boolean;
  private readonly start = process.hrtime.bigint();
  private lastTenth = -1;

  constructor(private readonly label: string, private readonly total: number,
      private readonly stream: NodeJS.WriteStream = process.stderr) {
    this.tty = Boolean(stream.isTTY);
  }

  /** Seconds since the bar was made. */
  elapsed(): number {
    return Number(process.hrtime.bigint() - this.start) / 1e9;
  }

  /** `done` of `total` steps; `images` processed since the bar was made. */
  update(done: number, images: number, loss: number, accuracy: number): void {
    const seconds = this.elapsed();
    const rate = images / Math.max(seconds, 1e-9);
    const eta = done > 0 ? (seconds / done) * (this.total - done) : Infinity;
    const width = 24;
    const filled = Math.round((width * done) / this.total);
    const line = `${this.label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${this.total} ` +
        `loss ${loss.toFixed(4)} acc ${(100 * accuracy).toFixed(1)}% ${rate.toFixed(0)} img/s ` +
        `ETA ${clock(eta)}`;
    if (this.tty) {
      this.stream.write(`\r${line}\x1b[K`);
    } else {
      const tenth = Math.floor((10 * done) / this.total);
      if (tenth !== this.lastTenth) {
        this.lastTenth = tenth;
        this.stream.write(`${line}\n`);
      }
    }
  }

  /** Ends the bar's line (on a terminal). */
  finish(): void {
    if (this.tty) this.stream.write('\n');
  }
}
