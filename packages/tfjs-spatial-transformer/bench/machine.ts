// What the bench runs on: the CPU's model name and its last-level cache.
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';

/** The CPU's model name (lscpu's "Model name", else Node's). */
export function cpuModel(): string {
  try {
    const out = execFileSync('lscpu', {encoding: 'utf8'});
    const m = /Model name:\s*(.*)/.exec(out);
    if (m) return m[1].trim();
  } catch { /* fall through */ }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

export interface Cache {
  /** All of the last level's instances together (e.g. one L3 per core complex). */
  bytes: number;
  /** Where the figure comes from, for the header. */
  text: string;
}

const MiB = 1 << 20;
export const mib = (bytes: number) => `${+(bytes / MiB).toFixed(1)} MiB`;

/** "32768K", "32M", "1024" (bytes). */
function parseSize(text: string): number {
  const m = /^(\d+)\s*([KMG]?)/i.exec(text.trim());
  if (!m) return NaN;
  return Number(m[1]) * ({'': 1, 'K': 1 << 10, 'M': MiB, 'G': 1 << 30} as Record<string, number>)[m[2].toUpperCase()];
}

/** Linux: the highest data or unified cache level of every CPU, each distinct instance counted once. */
function sysfsCache(): Cache|null {
  const root = '/sys/devices/system/cpu';
  const instances = new Map<string, {level: number, bytes: number}>();
  let cpus: string[];
  try {
    cpus = fs.readdirSync(root).filter((d) => /^cpu\d+$/.test(d));
  } catch {
    return null;
  }
  for (const cpu of cpus) {
    let indices: string[] = [];
    try {
      indices = fs.readdirSync(path.join(root, cpu, 'cache')).filter((d) => d.startsWith('index'));
    } catch { continue; }
    for (const index of indices) {
      const read = (f: string) => fs.readFileSync(path.join(root, cpu, 'cache', index, f), 'utf8').trim();
      try {
        if (read('type') === 'Instruction') continue;
        const level = Number(read('level')), bytes = parseSize(read('size'));
        if (Number.isFinite(bytes)) instances.set(`${level}:${read('shared_cpu_list')}`, {level, bytes});
      } catch { /* an unreadable index: skip it */ }
    }
  }
  if (instances.size === 0) return null;
  const top = Math.max(...[...instances.values()].map((c) => c.level));
  const last = [...instances.values()].filter((c) => c.level === top);
  const bytes = last.reduce((a, c) => a + c.bytes, 0);
  return {bytes, text: `L${top} ${mib(bytes)} (${last.length} instance${last.length > 1 ? 's' : ''}, ${root})`};
}

/** Elsewhere: getconf (glibc) or sysctl (macOS, BSD); one instance's size, as they report it. */
function commandCache(): Cache|null {
  const tries: [string, string[]][] = [
    ['getconf', ['LEVEL3_CACHE_SIZE']], ['getconf', ['LEVEL2_CACHE_SIZE']],
    ['sysctl', ['-n', 'hw.l3cachesize']], ['sysctl', ['-n', 'hw.l2cachesize']],
  ];
  for (const [cmd, args] of tries) {
    try {
      const bytes = Number(execFileSync(cmd, args, {encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore']}).trim());
      if (Number.isFinite(bytes) && bytes > 0) return {bytes, text: `${mib(bytes)} (${cmd} ${args.join(' ')})`};
    } catch { /* the next one */ }
  }
  return null;
}

/** Used when the cache size cannot be read: larger than most desktop and server LLCs per instance. */
const ASSUMED_CACHE_BYTES = 64 * MiB;

/** The last-level cache, read at run time (sysfs, else getconf/sysctl, else assumed). */
export function lastLevelCache(): Cache {
  return sysfsCache() ?? commandCache() ??
      {bytes: ASSUMED_CACHE_BYTES, text: `${mib(ASSUMED_CACHE_BYTES)} (assumed: no cache size readable)`};
}
