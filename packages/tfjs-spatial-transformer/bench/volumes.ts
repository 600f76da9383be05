// The volume rows of `npm run bench`: the 3-D sampler against PyTorch's 5-D
// grid_sample (forward, backward with both gradients, grid gradient only),
// and flowWarp against gridSample of a stored grid (2-D and volumes), side
// by side in one process with the same warm/cold loop and competition
// monitor as the 2-D rows (measure.ts). Raw addon calls on Float32Arrays.
import {native as addon, NativeAddon} from '../lib/native';
import {CompetitionMonitor, Load} from './competition';
import {Contender, timeIt} from './contender';
import {rng} from './data';
import {CACHE_STATES, coldSets, measure, median} from './measure';
import {baseline} from './native_contender';
import {Torch} from './torch';

export interface VolumeShape {name: string, n: number, d: number, h: number, w: number, c: number}

/** The issue's two volumes: N=2 C=1 64³ and N=1 C=16 32³. */
export const VOLUME_SHAPES: VolumeShape[] = [
  {name: 'V1', n: 2, d: 64, h: 64, w: 64, c: 1},
  {name: 'V2', n: 1, d: 32, h: 32, w: 32, c: 16},
];
export const QUICK_VOLUME_SHAPES: VolumeShape[] = [{name: 'QV', n: 1, d: 6, h: 7, w: 8, c: 2}];

export const VOLUME_PASSES = ['fwd3d', 'bwd3d', 'bwd3d-grid', 'flow-fwd', 'flow-bwd'] as const;
export type VolumePass = typeof VOLUME_PASSES[number];
export const VOLUME_PASS_TEXT: Record<VolumePass, string> = {
  'fwd3d': 'volume forward (trilinear, zeros, alignCorners=false)',
  'bwd3d': 'volume backward, input and grid gradients',
  'bwd3d-grid': 'volume backward, grid gradient only',
  'flow-fwd': 'flowWarp forward vs gridSample of a stored grid (bilinear, zeros)',
  'flow-bwd': 'flowWarp backward (input and flow) vs gridSample backward of a stored grid',
};

/** A 2-D workload for the flow rows (S2 of the 2-D table), as a volume of depth 1 that is not one. */
const FLOW_IMAGE = {name: 'S2', n: 128, h: 60, w: 60, c: 1};

/** The raw calls' outputs: one set per shape, written by every input set's calls (data.ts says why). */
interface VolumeOutputs {
  out: Float32Array; gin: Float32Array; ggrid: Float32Array;
}

interface VolumeData extends VolumeOutputs {
  input: Float32Array; grid: Float32Array; flowGrid: Float32Array; flow: Float32Array; gout: Float32Array;
}

/** Near-identity 3-D affine maps (rotation about z <= 20°, scale 0.9–1.1, shift <= 0.1). */
function volumeTheta(n: number, random: () => number): Float32Array {
  const theta = new Float32Array(n * 12);
  for (let i = 0; i < n; i++) {
    const a = (random() * 2 - 1) * Math.PI / 9, s = 0.9 + 0.2 * random();
    const t = () => (random() * 2 - 1) * 0.1;
    theta.set([s * Math.cos(a), -s * Math.sin(a), 0, t(), s * Math.sin(a), s * Math.cos(a), 0, t(), 0, 0, s, t()], i * 12);
  }
  return theta;
}

function makeOutputs(n: number, spatial: number[], c: number): VolumeOutputs {
  const points = n * spatial.reduce((a, b) => a * b);
  return {out: new Float32Array(points * c), gin: new Float32Array(points * c),
    ggrid: new Float32Array(points * spatial.length)};
}

/**
 * Input set `set`, writing to `outputs`; `spatial` is [D, H, W] (volumes) or
 * [H, W]; the grid samples an output of the input's size.
 */
function makeData(n: number, spatial: number[], c: number, set: number, outputs: VolumeOutputs): VolumeData {
  const random = rng(4321 + set);
  const points = n * spatial.reduce((a, b) => a * b), axes = spatial.length;
  const uniform = (k: number, lo = -1, hi = 1) => Float32Array.from({length: k}, () => lo + (hi - lo) * random());
  const grid = new Float32Array(axes === 3 ? points * 3 : 0);  // the volume rows' affine grid
  if (axes === 3) addon.affineGrid3dForward(volumeTheta(n, random), grid, n, spatial[0], spatial[1], spatial[2], false);
  const flow = uniform(points * axes, -2, 2);
  // gridSample's contender in the flow rows reads the grid flowWarp computes: VoxelMorph's, stored.
  const flowGrid = new Float32Array(points * axes);
  for (let p = 0; p < points; p++) {
    let rest = p;
    for (let a = 0; a < axes; a++) {  // component a: x, y, z, along spatial axis axes - 1 - a
      const size = spatial[axes - 1 - a], index = rest % size;
      rest = Math.floor(rest / size);
      flowGrid[p * axes + a] = 2 * ((index + flow[p * axes + a]) / (size - 1) - 0.5);
    }
  }
  return {input: uniform(points * c), grid, flowGrid, flow, gout: uniform(points * c), ...outputs};
}

/** The raw calls of a pass: [contender label, call] pairs (ours; torch is added by the caller). */
function calls(pass: VolumePass, shape: VolumeShape|typeof FLOW_IMAGE, d: VolumeData,
    native: NativeAddon = addon): [string, () => void][] {
  const B = native.Interpolation.bilinear, Z = native.Padding.zeros;
  const {n, c} = shape;
  if ('d' in shape && pass !== 'flow-fwd' && pass !== 'flow-bwd') {
    const sh = [n, shape.d, shape.h, shape.w, c, shape.d, shape.h, shape.w] as const;
    if (pass === 'fwd3d') return [['gridSample3d', () => native.gridSample3dForward(d.input, d.grid, d.out, [...sh], B, Z, false)]];
    const gin = pass === 'bwd3d' ? d.gin : null;
    return [['gridSample3d', () => native.gridSample3dBackward(d.gout, d.input, d.grid, gin, d.ggrid, [...sh], B, Z, false)]];
  }
  if ('d' in shape) {
    const sh = [n, shape.d, shape.h, shape.w, c, shape.d, shape.h, shape.w] as [number, number, number, number, number, number, number, number];
    return pass === 'flow-fwd' ?
      [['flowWarp', () => native.flowWarp3dForward(d.input, d.flow, d.out, sh, B, Z)],
        ['gridSample3d stored', () => native.gridSample3dForward(d.input, d.flowGrid, d.out, sh, B, Z, true)]] :
      [['flowWarp', () => native.flowWarp3dBackward(d.gout, d.input, d.flow, d.gin, d.ggrid, sh, B, Z)],
        ['gridSample3d stored', () => native.gridSample3dBackward(d.gout, d.input, d.flowGrid, d.gin, d.ggrid, sh, B, Z, true)]];
  }
  const sh = [n, shape.h, shape.w, c, shape.h, shape.w] as [number, number, number, number, number, number];
  return pass === 'flow-fwd' ?
    [['flowWarp', () => native.flowWarpForward(d.input, d.flow, d.out, sh, B, Z)],
      ['gridSample stored', () => native.gridSampleForward(d.input, d.flowGrid, d.out, sh, B, Z, true)]] :
    [['flowWarp', () => native.flowWarpBackward(d.gout, d.input, d.flow, d.gin, d.ggrid, sh, B, Z)],
      ['gridSample stored', () => native.gridSampleBackward(d.gout, d.input, d.flowGrid, d.gin, d.ggrid, sh, B, Z, true)]];
}

export interface VolumeRow {
  shape: string; pass: VolumePass; contender: string; threads: number; cache: string;
  medianMs: number; minMs: number; maxMs: number; busy: boolean;
}

/** Runs the volume rows (printed by volumeTable). */
export async function benchVolumes(shapes: VolumeShape[], threads: number[], rounds: number, cacheBytes: number,
    torch: Torch|null, monitor: CompetitionMonitor, progress: (t: string) => void):
    Promise<{rows: VolumeRow[], windows: {name: string, load: Load}[]}> {
  const rows: VolumeRow[] = [], windows: {name: string, load: Load}[] = [];
  const workloads: {shape: VolumeShape|typeof FLOW_IMAGE, passes: VolumePass[]}[] = [
    ...shapes.map((shape) => ({shape, passes: [...VOLUME_PASSES]})),
    ...(shapes === QUICK_VOLUME_SHAPES ? [] : [{shape: FLOW_IMAGE, passes: ['flow-fwd', 'flow-bwd'] as VolumePass[]}]),
  ];
  for (const {shape, passes} of workloads) {
    const spatial = 'd' in shape ? [shape.d, shape.h, shape.w] : [shape.h, shape.w];
    // The least any pass reads (the forward: input and grid); the outputs stay in one set.
    const bytes = 4 * shape.n * spatial.reduce((a, b) => a * b) * (shape.c + spatial.length);
    const cold = coldSets(bytes, cacheBytes), pool: VolumeData[] = [];
    const outputs = makeOutputs(shape.n, spatial, shape.c);
    const data = (set: number) => {
      while (pool.length <= set) pool.push(makeData(shape.n, spatial, shape.c, pool.length, outputs));
      return pool[set];
    };
    if (torch && 'd' in shape) await torch.setupVolume(shape);
    for (const pass of passes) {
      progress(`bench volumes ${shape.name} ${pass}`);
      const contenders: Contender[] = [];
      // STN_BENCH_BASELINE: the other build's calls too, labelled "baseline …" (when it has them).
      const builds = [{prefix: '', lib: addon},
        ...(baseline && typeof (baseline as Partial<NativeAddon>).gridSample3dForward === 'function' ?
          [{prefix: 'baseline ', lib: baseline}] : [])];
      for (const t of threads) {
        for (const {prefix, lib} of builds) {
          for (const [label] of calls(pass, shape, data(0), lib)) {
            const bound: (() => void)[] = [];
            contenders.push({name: `${prefix}${label} ${t}t`, threads: t, maxRounds: Infinity,
              setup: () => {
                while (bound.length <= cold) {
                  bound.push(calls(pass, shape, data(bound.length), lib).find(([l]) => l === label)![1]);
                }
              },
              run: (set) => {
                lib.setNumThreads(t);
                return timeIt(bound[set]);
              }});
          }
        }
        const c = torch && 'd' in shape ? torch.volumeContender(pass, t, 1 + cold) : null;
        if (c) contenders.push(c);
      }
      const {result: times, load} = await monitor.watch(() => measure(contenders, rounds, cold));
      windows.push({name: `${shape.name} ${pass}`, load});
      for (const c of contenders) {
        for (const cache of CACHE_STATES) {
          const ts = times.get(c)![cache];
          rows.push({shape: shape.name, pass, contender: c.name, threads: c.threads, cache,
            medianMs: median(ts), minMs: Math.min(...ts), maxMs: Math.max(...ts), busy: load.busy});
        }
      }
    }
  }
  return {rows, windows};
}

/** The table: per row, median (min–max), and ours ÷ the other contender at equal threads. */
export function volumeTable(rows: VolumeRow[]): string[] {
  const lines = ['volumes and displacement fields (raw addon calls; ms per call, median (min–max) over the rounds):',
    'shape  pass        cache  contender                 median (min–max)           speed-up of ours'];
  for (const r of rows) {
    const ours = r.contender.startsWith('gridSample3d ') && !r.contender.includes('stored') ||
        r.contender.startsWith('flowWarp ');
    const rival = rows.find((o) => o.shape === r.shape && o.pass === r.pass && o.cache === r.cache &&
        o.threads === r.threads && o !== r && !o.contender.startsWith('flowWarp ') &&
        (o.contender.startsWith('torch ') || (o.contender.includes('stored') && !o.contender.startsWith('baseline'))));
    const base = rows.find((o) => o.shape === r.shape && o.pass === r.pass && o.cache === r.cache &&
        o.threads === r.threads && o.contender === `baseline ${r.contender}`);
    const ratio = [ours && rival ? `${(rival.medianMs / r.medianMs).toFixed(2)}× over ${rival.contender}` : '',
      ours && base ? `${(base.medianMs / r.medianMs).toFixed(2)}× over the baseline` : ''].filter((x) => x).join(', ');
    lines.push(`${r.shape.padEnd(6)} ${r.pass.padEnd(11)} ${r.cache.padEnd(6)} ${r.contender.padEnd(25)} ` +
        `${r.medianMs.toFixed(3).padStart(9)} (${r.minMs.toFixed(3)}–${r.maxMs.toFixed(3)})`.padEnd(28) +
        `${ratio}${r.busy ? '  [busy]' : ''}`);
  }
  lines.push('', ...VOLUME_PASSES.map((p) => `${p}: ${VOLUME_PASS_TEXT[p]}`),
    `shapes: ${[...VOLUME_SHAPES, ...QUICK_VOLUME_SHAPES].map((s) => `${s.name} ${s.n}×${s.d}×${s.h}×${s.w}×${s.c}`).join(', ')}; ` +
    `flow rows also on ${FLOW_IMAGE.name} ${FLOW_IMAGE.n}×${FLOW_IMAGE.h}×${FLOW_IMAGE.w}×${FLOW_IMAGE.c}`);
  return lines;
}
