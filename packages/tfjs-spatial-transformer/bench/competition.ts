// Whether another process competed for the CPU while the bench measured.
//
// Over each measured window the whole machine's busy CPU time (/proc/stat on
// Linux, else os.cpus()) minus the bench's own (this process, every thread,
// plus its PyTorch subprocess) is what other processes used; time stolen by
// the hypervisor counts as competition too. The counters tick in clock ticks
// per CPU, so a window's figure is uncertain by about two ticks per CPU: that
// much is forgiven before comparing with the threshold.
import * as fs from 'fs';
import * as os from 'os';

/** Other processes' average use above this many cores makes a window busy. */
export const BUSY_CORES = 0.1;

/** The kernel's accounting tick (USER_HZ is 100 on every Linux; os.cpus() is in ms of the same ticks). */
const TICK_MS = 10;

/**
 * The shortest window judged, in ticks per CPU: a shorter one is extended,
 * idle, to this length, so that one competing core shows through the two
 * forgiven ticks per CPU (a window of a few fast calls, under that, could
 * never be busy).
 */
const MIN_WINDOW_TICKS_PER_CPU = 8;

interface MachineTimes {busyMs: number, stealMs: number}

/** CPU time of all CPUs since boot: busy (user, nice, system, irq, softirq) and stolen, in ms. */
function machineTimes(): MachineTimes {
  try {
    const line = fs.readFileSync('/proc/stat', 'utf8').split('\n', 1)[0];
    const [user, nice, system, , , irq, softirq, steal] = line.trim().split(/\s+/).slice(1).map(Number);
    return {busyMs: (user + nice + system + irq + softirq) * TICK_MS, stealMs: (steal || 0) * TICK_MS};
  } catch {
    const cpus = os.cpus();
    return {busyMs: cpus.reduce((a, c) => a + c.times.user + c.times.nice + c.times.sys + c.times.irq, 0),
      stealMs: 0};
  }
}

interface Sample {wallMs: number, machine: MachineTimes, ownMs: number}

/** What other processes used during one window. */
export interface Load {
  wallMs: number;
  /** Average cores used by other processes (and stolen), after forgiving the counters' resolution. */
  otherCores: number;
  busy: boolean;
}

/** Load from two samples; exported for its test. */
export function loadBetween(a: Sample, b: Sample, cpus: number): Load {
  const wallMs = b.wallMs - a.wallMs;
  const otherMs = (b.machine.busyMs - a.machine.busyMs) + (b.machine.stealMs - a.machine.stealMs) -
      (b.ownMs - a.ownMs);
  const otherCores = Math.max(0, otherMs - 2 * TICK_MS * cpus) / Math.max(wallMs, 1e-9);
  return {wallMs, otherCores, busy: otherCores > BUSY_CORES};
}

export class CompetitionMonitor {
  private readonly cpus = os.cpus().length;

  /** @param childCpuMs the CPU ms used so far by the bench's own subprocesses. */
  constructor(private readonly childCpuMs: () => Promise<number>) {}

  async sample(): Promise<Sample> {
    const {user, system} = process.cpuUsage();
    const ownMs = (user + system) / 1e3 + await this.childCpuMs();
    return {wallMs: performance.now(), machine: machineTimes(), ownMs};
  }

  /** Runs `fn` and says how much other processes used meanwhile (and, for a short `fn`, just after). */
  async watch<T>(fn: () => Promise<T>): Promise<{result: T, load: Load}> {
    const a = await this.sample();
    const result = await fn();
    const rest = MIN_WINDOW_TICKS_PER_CPU * TICK_MS * this.cpus - (performance.now() - a.wallMs);
    if (rest > 0) await new Promise((resolve) => setTimeout(resolve, rest));
    return {result, load: loadBetween(a, await this.sample(), this.cpus)};
  }
}
