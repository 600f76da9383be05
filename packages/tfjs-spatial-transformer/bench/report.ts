// What the bench prints and writes: the table, its legend, the JSON rows.
import * as fs from 'fs';

import {BUSY_CORES, Load} from './competition';
import {CacheState, MAX_COLD_SETS, median} from './measure';
import {outputElements, Pass, PASS_TEXT, passBytes, passTraffic, Shape} from './workload';

/** One contender's timed calls, warm or cold, in one shape and pass (none: skipped, with `note`). */
export interface Entry {
  contender: string; threads: number; cache: CacheState;
  /** Buffer sets the calls rotated through (1 when warm). */
  sets: number;
  times: number[]; note?: string;
}
/** One shape and pass: its contenders, and what other processes used meanwhile. */
export interface Measured {shape: Shape; pass: Pass; entries: Entry[]; load: Load}

/** A row of the JSON output: one contender, warm or cold, in one shape and pass. */
export interface Row {
  shape: string; pass: Pass; contender: string; threads: number; cache: CacheState; sets: number;
  medianMs: number; minMs: number; maxMs: number;
  /** Cores other processes used on average while this shape and pass ran; `busy` above BUSY_CORES. */
  otherCores: number; busy: boolean;
}

/** The JSON output. */
export interface Report {
  machine: {cpu: string; cores: number; isa: string; bestIsa: string; lastLevelCacheBytes: number;
    node: string; tfjs: string; torch: string|null; onnxruntime: string|null};
  threads: number[];
  /** Triad bytes/s by thread count. */
  bandwidth: Record<string, number>;
  rounds: number;
  /** The volume and displacement-field rows (bench/volumes.ts). */
  volumeRows?: import('./volumes').VolumeRow[];
  /** True when other processes competed during any window (then the figures must not be quoted). */
  busy: boolean;
  busyCores: number;
  rows: Row[];
}

export function rowsOf(results: Measured[]): Row[] {
  return results.flatMap(({shape, pass, entries, load}) => entries.filter((e) => e.times.length > 0).map((e) => ({
    shape: shape.name, pass, contender: e.contender, threads: e.threads, cache: e.cache, sets: e.sets,
    medianMs: median(e.times), minMs: Math.min(...e.times), maxMs: Math.max(...e.times),
    otherCores: load.otherCores, busy: load.busy})));
}

/** A speed-up column: a reference contender's median over this one's, in the same cache state. */
interface RatioColumn {
  head: string;
  /** Whether `name` is a reference for an entry at `threads` (the fastest reference is taken; none: blank). */
  isReference(name: string, threads: number): boolean;
  digits: number;
}

const RATIOS: RatioColumn[] = [
  {head: '× composite', isReference: (name) => name.startsWith('composite'), digits: 1},
  {head: '× torch', isReference: (name, threads) => name === `torch ${threads}t`, digits: 2},
  {head: '× onnx', isReference: (name, threads) => name === `onnxruntime ${threads}t`, digits: 2},
  {head: '× native fresh', isReference: (name, threads) => name === `native fresh ${threads}t`, digits: 2},
];

/** Cold entries that rotated less than twice the cache are marked: they are not DRAM figures. */
const NOT_COLD_MARK = '*';

/** The table: one line per contender and cache state, groups per shape and pass. */
export function formatTable(results: Measured[], bandwidth: Map<number, number>, rounds: number,
    cacheBytes: number): string[] {
  const head = ['shape', 'pass', 'contender', 'thr', 'cache', 'median ms', 'min–max', 'Melem/s', '% of bw bound',
    ...RATIOS.map((c) => c.head)];
  const blank = Array<string>(head.length - 6).fill('');
  const allThreads = Math.max(...bandwidth.keys());
  const table: string[][] = [];
  for (const {shape: s, pass, entries} of results) {
    const med = new Map(entries.map((e) => [e, e.times.length ? median(e.times) : NaN]));
    const ratio = (col: RatioColumn, e: Entry) => {
      if (col.isReference(e.contender, e.threads)) return '';
      const ref = Math.min(...entries.filter((x) => x.cache === e.cache && col.isReference(x.contender, e.threads))
          .map((x) => med.get(x)!).filter((x) => !Number.isNaN(x)));
      return Number.isFinite(ref) ? `${(ref / med.get(e)!).toFixed(col.digits)}×` : '';
    };
    for (const e of entries) {
      if (e.times.length === 0) {
        if (e.cache === 'warm') table.push([s.name, pass, e.contender, '', '', 'skipped', ...blank]);
        continue;
      }
      const m = med.get(e)!;
      const bw = bandwidth.get(e.threads) ?? bandwidth.get(allThreads)!;
      const boundMs = passBytes(s, pass) / bw * 1e3;
      const notCold = e.cache === 'cold' && e.sets * passTraffic(s, pass).read < 2 * cacheBytes;
      table.push([s.name, pass, e.contender, String(e.threads), e.cache + (notCold ? NOT_COLD_MARK : ''),
        m.toFixed(3), `${Math.min(...e.times).toFixed(2)}–${Math.max(...e.times).toFixed(2)}` +
            (e.times.length < rounds ? ` (${e.times.length})` : ''),
        (outputElements(s) / m / 1e3).toFixed(0), `${(100 * boundMs / m).toFixed(0)}%`,
        ...RATIOS.map((col) => ratio(col, e))]);
    }
  }
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => (i < 3 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  const out = [line(head)];
  let last = '';
  for (const r of table) {
    const key = r[0] + r[1];
    if (last && key !== last) out.push('');
    last = key;
    out.push(line(r));
  }
  return out;
}

/** What the table's shapes, passes, columns and contenders are. */
export function legend(shapes: Shape[], passes: Pass[], results: Measured[], cacheBytes: number): string[] {
  const capped = results.some(({shape, pass, entries}) => entries.some((e) =>
    e.cache === 'cold' && e.sets * passTraffic(shape, pass).read < 2 * cacheBytes));
  return [
    'shapes: ' + shapes.map((s) => `${s.name} N=${s.n} C=${s.c} ${s.h}×${s.w}`).join(' · ') +
        ' (output size = input size; random affine grids: rotation <= 30°, scale 0.8–1.2, shift <= 0.2)',
    ...passes.map((p) => `${p}: ${PASS_TEXT[p]}`),
    'warm: an untimed call, then the timed one, on the same buffers: the inputs are in the caches as far as ' +
        'they fit, so % of bw bound may pass 100% (a cache figure). cold: each call on the next of the pass\'s ' +
        'input sets, so many that between two calls on one set the other calls read at least twice the ' +
        'last-level cache (as XNNPACK\'s benchmarks rotate): the inputs come from memory, and % of bw bound is a ' +
        'DRAM figure. Outputs do not rotate: the raw addon and onnxruntime write one buffer, torch allocates ' +
        'its outputs and frees each as soon as it is dropped, so its allocator can hand the memory back, and tfjs allocates a JS ' +
        'array per output, which only V8\'s garbage collector frees: fresh memory, paged in as the kernel ' +
        'writes it. The × columns compare contenders in the same state.',
    ...(capped ? [`cold${NOT_COLD_MARK}: the rotation stopped at ${MAX_COLD_SETS} sets, less than twice the ` +
        'last-level cache: not a DRAM figure.'] : []),
    'Melem/s: million output elements (N·Ho·Wo·C) per second. % of bw bound: the time the pass\'s ' +
        'minimum traffic (inputs read once, outputs written once) takes at the triad bandwidth of the same ' +
        'thread count, over the median.',
    'native: the addon on plain Float32Arrays; native fresh: the same calls writing new uninitialised ' +
        'arrays each call, as our tfjs-cpu kernels do (forward and backward passes), so that × native fresh ' +
        'shows the tfjs wrapper\'s own cost; tfjs: our ops through tfjs (backward passes through ' +
        'the GridSampleGrad kernel, steps through tf.grad); composite: stock tfjs ops (gather, indices off the ' +
        'tape; its bwd/bwd-grid include its forward, as autodiff needs it); torch: F.grid_sample (backward: ' +
        'aten.grid_sampler_2d_backward alone, step: a whole autograd step; torch has no fused op, so ' +
        'step-fused rows compare with torch\'s step); onnxruntime: ONNX GridSample in onnxruntime-node\'s CPU ' +
        'provider, forward passes only, NCHW inputs and a preallocated output, timed as session.run is awaited.',
  ];
}

/** The notes of skipped contenders. */
export function notes(results: Measured[]): string[] {
  return [...new Set(results.flatMap(({shape, pass, entries}) => entries.filter((e) => e.note)
      .map((e) => `note: ${shape.name} ${pass} ${e.contender}: ${e.note}`)))];
}

/** The busy windows the warning names, the worst first. */
const NAMED_WINDOWS = 5;

/**
 * The verdict on competition: a warning naming the busy windows, or the quiet figure.
 * @param windows every measured window: the triad's and each shape and pass's.
 */
export function competitionLines(windows: {name: string, load: Load}[]): string[] {
  const busy = windows.filter((w) => w.load.busy);
  const worst = Math.max(0, ...windows.map((w) => w.load.otherCores));
  if (busy.length === 0) {
    return [`competition: none; other processes used at most ${worst.toFixed(2)} cores in any window ` +
        `(a window is busy above ${BUSY_CORES})`];
  }
  const named = [...busy].sort((a, b) => b.load.otherCores - a.load.otherCores).slice(0, NAMED_WINDOWS);
  return [
    `WARNING: other processes competed for the CPU in ${busy.length} of ${windows.length} windows, ` +
        `using up to ${worst.toFixed(2)} cores (` + named.map((w) => `${w.name} ${w.load.otherCores.toFixed(2)}`)
        .join(', ') + (busy.length > named.length ? ', …' : '') + '; each row\'s figure is in --json).',
    'WARNING: the figures of this run must not be quoted; rerun when the machine is quiet.',
  ];
}

export function writeJson(file: string, report: Report): void {
  fs.writeFileSync(file, JSON.stringify(report, null, 1));
}
