// `npm run bench`: the sampler's contenders side by side in one process.
//
// For every shape and pass, each contender is warmed up, then the contenders
// take turns, one call each, for several rounds (interleaved, so a busy
// machine slows all of them alike); the table gives the median, the spread
// (min–max), the rate, the fraction of the memory-bandwidth bound, and the
// speed-ups over the stock-tfjs composite and over PyTorch at equal threads.
// PyTorch runs in one python subprocess (bench/torch_server.py) that times
// its own calls; the bench asks it for one repetition per round, so it is
// interleaved too.
//
// Flags: --quick (1 round, small shapes: for CI), --json FILE, --shapes S1,S3,
// --passes fwd,bwd, --threads 1,2, --rounds N, --no-torch, --no-composite.
import {ChildProcessWithoutNullStreams, execFileSync, spawn} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';

import * as tf from '@tensorflow/tfjs-node';
import seedrandom from 'seedrandom';

import {compositeAffineGrid, compositeGridSample} from '../lib/composite';
import * as stn from '../lib/index';
import {GridSampleGrad} from '../lib/kernel_names';
import {native, SamplerShape} from '../lib/native';
import {useTensorflowOps} from '../lib/tensorflow_ops';
import {measureBandwidth} from './triad';

// ---------------------------------------------------------------- shapes, passes

interface Shape {name: string, n: number, h: number, w: number, c: number}

const SHAPES: Shape[] = [
  {name: 'S1', n: 256, h: 28, w: 28, c: 1},
  {name: 'S2', n: 128, h: 60, w: 60, c: 1},
  {name: 'S3', n: 32, h: 32, w: 32, c: 64},
  {name: 'S4', n: 8, h: 224, w: 224, c: 3},
];
const QUICK_SHAPES: Shape[] = [
  {name: 'Q1', n: 4, h: 12, w: 12, c: 1},
  {name: 'Q2', n: 2, h: 8, w: 8, c: 20},
];

const PASSES = ['fwd', 'bwd', 'bwd-grid', 'step', 'step-fused', 'fwd-nearest', 'bwd-nearest'] as const;
type Pass = typeof PASSES[number];
const PASS_TEXT: Record<Pass, string> = {
  'fwd': 'forward (bilinear, zeros, alignCorners=false)',
  'bwd': 'backward, input and grid gradients',
  'bwd-grid': 'backward, grid gradient only',
  'step': 'training step: affineGrid + gridSample forward, backward to theta',
  'step-fused': 'training step: fused affineSample forward, backward to theta',
  'fwd-nearest': 'forward, nearest',
  'bwd-nearest': 'backward, nearest (input and grid)',
};

/** Bytes a pass must move at least (float32): what the bandwidth bound is computed from. */
function passBytes(s: Shape, pass: Pass): number {
  const inp = s.n * s.h * s.w * s.c * 4, out = s.n * s.h * s.w * s.c * 4, grid = s.n * s.h * s.w * 8;
  switch (pass) {
    case 'fwd': case 'fwd-nearest': return inp + grid + out;
    case 'bwd': return out + inp + grid + inp + grid;
    case 'bwd-grid': return out + inp + grid + grid;
    case 'bwd-nearest': return out + grid + inp + grid;
    case 'step': case 'step-fused': return 2 * inp + 2 * out;  // the fused op's minimum
  }
}

// ---------------------------------------------------------------- data

function rng(seed: number): () => number {
  return seedrandom.alea(String(seed));
}

/** Random affine maps: rotation <= 30°, scale 0.8–1.2, shift <= 0.2. */
function randomTheta(n: number, random: () => number): Float32Array {
  const theta = new Float32Array(n * 6);
  for (let i = 0; i < n; i++) {
    const a = (random() * 2 - 1) * Math.PI / 6, s = 0.8 + 0.4 * random();
    const tx = (random() * 2 - 1) * 0.2, ty = (random() * 2 - 1) * 0.2;
    theta.set([s * Math.cos(a), -s * Math.sin(a), tx, s * Math.sin(a), s * Math.cos(a), ty], i * 6);
  }
  return theta;
}

interface Data {
  shape: Shape; dims: SamplerShape;
  input: Float32Array; theta: Float32Array; grid: Float32Array; gout: Float32Array;
  // scratch outputs of the raw calls
  out: Float32Array; gin: Float32Array; ggrid: Float32Array; gtheta: Float32Array; grid2: Float32Array;
}

function makeData(s: Shape): Data {
  const random = rng(1234);
  const count = s.n * s.h * s.w * s.c;
  const uniform = (k: number) => Float32Array.from({length: k}, () => random() * 2 - 1);
  const theta = randomTheta(s.n, random);
  const grid = new Float32Array(s.n * s.h * s.w * 2);
  native.affineGridForward(theta, grid, s.n, s.h, s.w, false);
  return {shape: s, dims: [s.n, s.h, s.w, s.c, s.h, s.w], input: uniform(count), theta, grid,
    gout: uniform(count), out: new Float32Array(count), gin: new Float32Array(count),
    ggrid: new Float32Array(grid.length), gtheta: new Float32Array(s.n * 6),
    grid2: new Float32Array(grid.length)};
}

// ---------------------------------------------------------------- contenders

interface Contender {
  name: string;
  threads: number;
  /** Rounds to run (the composite may get fewer); 0 = skipped with `note`. */
  maxRounds: number;
  note?: string;
  /** Runs one call; returns its ms (the torch contender reports its own timing). */
  run(): Promise<number>|number;
  setup?(): Promise<void>;
}

function timeIt(fn: () => void): number {
  const t0 = performance.now();
  fn();
  return performance.now() - t0;
}

/** STN_BENCH_BASELINE=path/to/other/stn_native.node adds its raw calls as "baseline" contenders. */
const baseline: typeof native|null = process.env.STN_BENCH_BASELINE ?
    require(path.resolve(process.env.STN_BENCH_BASELINE)) : null;

function rawContender(d: Data, pass: Pass, threads: number, addon: typeof native = native,
    label = 'native'): Contender|null {
  const {dims: sh, input, grid, gout, theta} = d;
  const native = addon;
  const B = native.Interpolation.bilinear, N = native.Interpolation.nearest, Z = native.Padding.zeros;
  const [n, , , , ho, wo] = sh;
  const nat = native as any;
  const hasFused = () => typeof nat.affineSampleForward === 'function';
  const calls: Record<Pass, (() => void)|null> = {
    'fwd': () => native.gridSampleForward(input, grid, d.out, sh, B, Z, false),
    'fwd-nearest': () => native.gridSampleForward(input, grid, d.out, sh, N, Z, false),
    'bwd': () => native.gridSampleBackward(gout, input, grid, d.gin, d.ggrid, sh, B, Z, false),
    'bwd-nearest': () => native.gridSampleBackward(gout, input, grid, d.gin, d.ggrid, sh, N, Z, false),
    'bwd-grid': () => native.gridSampleBackward(gout, input, grid, null, d.ggrid, sh, B, Z, false),
    'step': () => {
      native.affineGridForward(theta, d.grid2, n, ho, wo, false);
      native.gridSampleForward(input, d.grid2, d.out, sh, B, Z, false);
      native.gridSampleBackward(gout, input, d.grid2, null, d.ggrid, sh, B, Z, false);
      native.affineGridBackward(d.ggrid, d.gtheta, n, ho, wo, false);
    },
    'step-fused': hasFused() ? () => {
      nat.affineSampleForward(input, theta, d.out, sh, B, Z, false);
      nat.affineSampleBackward(gout, input, theta, null, d.gtheta, sh, B, Z, false);
    } : null,
  };
  const call = calls[pass];
  if (call === null) return null;
  return {name: `${label} ${threads}t`, threads, maxRounds: Infinity,
    run: () => {
      native.setNumThreads(threads);
      return timeIt(call);
    }};
}

interface TfData {x: tf.Tensor4D, grid: tf.Tensor4D, theta: tf.Tensor3D, dy: tf.Tensor4D}

/** Tensors held by the backend itself (TF-held on 'tensorflow', as a model's tensors are). */
function makeTfData(d: Data): TfData {
  const s = d.shape;
  const held = <T extends tf.Tensor>(t: T): T => {
    const out = tf.add(t, 0) as T;
    t.dispose();
    return out;
  };
  return {
    x: held(tf.tensor4d(d.input, [s.n, s.h, s.w, s.c])),
    grid: held(tf.tensor4d(d.grid, [s.n, s.h, s.w, 2])),
    theta: held(tf.tensor3d(d.theta, [s.n, 2, 3])),
    dy: held(tf.tensor4d(d.gout, [s.n, s.h, s.w, s.c])),
  };
}

function disposeAll(result: tf.TensorContainer): void {
  tf.dispose(result as any);
}

function oursCall(t: TfData, pass: Pass): (() => void)|null {
  const size = () => t.x.shape as number[];
  const grad = (computeInputGrad: boolean, mode: 'bilinear'|'nearest') => () => disposeAll(
      tf.engine().runKernel(GridSampleGrad, {dy: t.dy, input: t.x, grid: t.grid},
          {mode, paddingMode: 'zeros', alignCorners: false, computeInputGrad,
            computeGridGrad: true}) as tf.Tensor[]);
  const affineSample = (stn as any).affineSample;
  switch (pass) {
    case 'fwd': return () => stn.gridSample(t.x, t.grid).dispose();
    case 'fwd-nearest': return () => stn.gridSample(t.x, t.grid, {mode: 'nearest'}).dispose();
    case 'bwd': return grad(true, 'bilinear');
    case 'bwd-nearest': return grad(true, 'nearest');
    case 'bwd-grid': return grad(false, 'bilinear');
    case 'step': return () => tf.grad(
        (th: tf.Tensor) => stn.gridSample(t.x, stn.affineGrid(th, size())))(t.theta, t.dy).dispose();
    case 'step-fused': return typeof affineSample !== 'function' ? null : () => tf.grad(
        (th: tf.Tensor) => affineSample(t.x, th, size()) as tf.Tensor)(t.theta, t.dy).dispose();
  }
}

function compositeCall(t: TfData, pass: Pass): (() => void)|null {
  switch (pass) {
    case 'fwd': return () => compositeGridSample(t.x, t.grid).dispose();
    case 'bwd': return () => disposeAll(tf.grads(
        (a: tf.Tensor, b: tf.Tensor) => compositeGridSample(a as tf.Tensor4D, b as tf.Tensor4D))(
        [t.x, t.grid], t.dy));
    case 'bwd-grid': return () => tf.grad(
        (b: tf.Tensor) => compositeGridSample(t.x, b as tf.Tensor4D))(t.grid, t.dy).dispose();
    case 'step': return () => tf.grad((th: tf.Tensor) => compositeGridSample(t.x,
        compositeAffineGrid(th as tf.Tensor3D, t.x.shape[1], t.x.shape[2])))(t.theta, t.dy).dispose();
    default: return null;  // the composite is bilinear only, and has no fused form
  }
}

/** A contender that runs a tfjs call on `backend` (switching to it first). */
function tfContender(name: string, backend: string, data: () => TfData,
    make: (t: TfData) => (() => void)|null, maxRounds: number, threads: number): Contender|null {
  let call: (() => void)|null = null;
  let t: TfData|null = null;
  const probe = make({} as TfData);
  if (probe === null) return null;
  return {name, threads, maxRounds,
    setup: async () => {
      await tf.setBackend(backend);
      if (t === null) {
        t = data();
        call = make(t);
      }
    },
    run: () => {
      native.setNumThreads(threads);
      return timeIt(call!);
    }};
}

// ---------------------------------------------------------------- PyTorch

class Torch {
  private lines: AsyncIterableIterator<string>;
  version = '';
  private constructor(private child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({input: child.stdout})[Symbol.asyncIterator]();
  }

  static candidates(): string[] {
    const list = [process.env.STN_BENCH_PYTHON, 'python3', 'python'].filter((p): p is string => !!p);
    return [...new Set(list)];
  }

  /** A python with torch (STN_BENCH_PYTHON, else python3, else python), or null. */
  static async start(): Promise<Torch|null> {
    for (const python of Torch.candidates()) {
      try {
        execFileSync(python, ['-c', 'import torch'], {stdio: 'ignore', timeout: 60_000});
      } catch {
        continue;
      }
      const child = spawn(python, [path.join(__dirname, 'torch_server.py')], {stdio: 'pipe'});
      const torch = new Torch(child);
      const hello = JSON.parse(await torch.readLine());
      torch.version = `torch ${hello.torch} (${hello.capability}) via ${python}`;
      return torch;
    }
    return null;
  }

  private async readLine(): Promise<string> {
    const next = await this.lines.next();
    if (next.done) throw new Error('bench: the PyTorch subprocess exited');
    return next.value;
  }

  async request(req: object): Promise<any> {
    this.child.stdin.write(JSON.stringify(req) + '\n');
    const reply = JSON.parse(await this.readLine());
    if (reply.error) throw new Error(`bench: PyTorch: ${reply.error}`);
    return reply;
  }

  contender(pass: Pass, threads: number): Contender|null {
    const torchPass = pass === 'step-fused' ? null : pass;  // PyTorch has no fused affine sampler
    if (torchPass === null) return null;
    return {name: `torch ${threads}t`, threads, maxRounds: Infinity,
      run: async () => (await this.request({cmd: 'run', pass: torchPass, threads, reps: 1})).ms[0]};
  }

  close(): void {
    this.child.stdin.end();
  }
}

// ---------------------------------------------------------------- running

interface Row {
  shape: string; pass: Pass; contender: string; threads: number;
  medianMs: number; minMs: number; maxMs: number;
}

interface Options {
  quick: boolean; json: string|null; shapes: Shape[]; passes: Pass[]; threads: number[];
  rounds: number; torch: boolean; composite: boolean;
}

function parseArgs(argv: string[]): Options {
  const cores = os.cpus().length;
  const o: Options = {quick: false, json: null, shapes: SHAPES, passes: [...PASSES],
    threads: [...new Set([1, cores])], rounds: 7, torch: true, composite: true};
  const list = (v: string|undefined, flag: string) => {
    if (v === undefined) throw new Error(`bench: ${flag} needs a value`);
    return v.split(',').filter((x) => x !== '');
  };
  let shapeNames: string[]|null = null;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--quick') o.quick = true;
    else if (a === '--json') o.json = list(argv[++i], a)[0];
    else if (a === '--shapes') shapeNames = list(argv[++i], a);
    else if (a === '--passes') {
      o.passes = list(argv[++i], a) as Pass[];
      for (const p of o.passes) {
        if (!PASSES.includes(p)) throw new Error(`bench: unknown pass '${p}' (known: ${PASSES.join(', ')})`);
      }
    } else if (a === '--threads') {
      o.threads = list(argv[++i], a).map(Number);
      if (!o.threads.every((t) => Number.isInteger(t) && t >= 1)) throw new Error('bench: --threads takes integers >= 1');
    } else if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--no-torch') o.torch = false;
    else if (a === '--no-composite') o.composite = false;
    else if (a === '--help' || a === '-h') {
      console.log('usage: npm run bench -- [--quick] [--json FILE] [--shapes S1,S2,S3,S4] ' +
          `[--passes ${PASSES.join(',')}] [--threads 1,${cores}] [--rounds N] [--no-torch] [--no-composite]`);
      process.exit(0);
    } else throw new Error(`bench: unknown flag '${a}' (try --help)`);
  }
  const pool = o.quick ? [...QUICK_SHAPES, ...SHAPES] : SHAPES;
  o.shapes = shapeNames === null ? (o.quick ? QUICK_SHAPES : SHAPES) : shapeNames.map((name) => {
    const s = pool.find((x) => x.name === name);
    if (s === undefined) throw new Error(`bench: unknown shape '${name}' (known: ${pool.map((x) => x.name).join(', ')})`);
    return s;
  });
  if (o.quick) o.rounds = 1;
  if (!(Number.isInteger(o.rounds) && o.rounds >= 1)) throw new Error('bench: --rounds takes an integer >= 1');
  return o;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function progress(text: string): void {
  if (process.stderr.isTTY) process.stderr.write(`\r\x1b[K${text}`);
  else process.stderr.write(`${text}\n`);
}

/** Composite calls slower than this get fewer rounds (the whole contender ~this budget). */
const COMPOSITE_BUDGET_MS = 4000;

async function measure(contenders: Contender[], rounds: number): Promise<Map<Contender, number[]>> {
  const times = new Map<Contender, number[]>(contenders.map((c) => [c, []]));
  const live = contenders.filter((c) => c.maxRounds > 0);
  // Warm-up (the first calls compile, allocate, and fill caches).
  for (const c of live) {
    await c.setup?.();
    const first = await c.run();
    if (c.maxRounds !== Infinity) {
      c.maxRounds = Math.max(1, Math.min(c.maxRounds, Math.floor(COMPOSITE_BUDGET_MS / first)));
    } else {
      await c.run();
    }
  }
  for (let r = 0; r < rounds; r++) {
    for (const c of live) {
      if (times.get(c)!.length >= c.maxRounds) continue;
      await c.setup?.();
      times.get(c)!.push(await c.run());
    }
  }
  return times;
}

function cpuModel(): string {
  try {
    const out = execFileSync('lscpu', {encoding: 'utf8'});
    const m = /Model name:\s*(.*)/.exec(out);
    if (m) return m[1].trim();
  } catch { /* fall through */ }
  return os.cpus()[0]?.model ?? 'unknown CPU';
}

export async function main(argv: string[]): Promise<void> {
  const o = parseArgs(argv);
  const cores = os.cpus().length;
  const allThreads = Math.max(...o.threads);
  const isa = typeof (native as any).getIsa === 'function' ? (native as any).getIsa() : 'n/a';
  const torch = o.torch ? await Torch.start() : null;
  const bandwidth = await measureBandwidth(o.threads);

  const header = [
    `machine: ${cpuModel()}, ${cores} cores; node ${process.version}, tfjs-node ${tf.version_core}; ` +
        `native ISA: ${isa}`,
    `PyTorch: ${torch ? torch.version : o.torch ?
        'not found (set STN_BENCH_PYTHON to a python with torch; tried ' + Torch.candidates().join(', ') + ')' : 'off'}`,
    `memory bandwidth (triad): ${o.threads.map((t) => `${t}t ${(bandwidth.get(t)! / 1e9).toFixed(1)} GB/s`).join(', ')}`,
    `rounds: ${o.rounds} (interleaved, after warm-up); times are per call, ms`,
    `tfjs tensorflow: ${(({active, reason}) => `${active ? 'TF ops' : 'copying JS path'} (${reason})`)(stn.tensorflowOps())}`,
  ];
  for (const line of header) console.log(line);

  const rows: Row[] = [];
  const table: string[][] = [];
  const notes = new Set<string>();
  let busy = false;
  const total = o.shapes.length * o.passes.length;
  let done = 0;
  for (const s of o.shapes) {
    const d = makeData(s);
    let tfData: Record<string, TfData> = {};
    const dataFor = (backend: string) => () => (tfData[backend] ??= makeTfData(d));
    if (torch) await torch.request({cmd: 'setup', n: s.n, h: s.h, w: s.w, c: s.c, seed: 1});
    for (const pass of o.passes) {
      progress(`bench [${++done}/${total}] ${s.name} ${pass}`);
      const contenders: Contender[] = [];
      for (const t of o.threads) {
        const raw = rawContender(d, pass, t);
        if (raw) contenders.push(raw);
        const base = baseline && rawContender(d, pass, t, baseline, 'baseline');
        if (base) contenders.push(base);
      }
      // 'tfjs tensorflow' takes the TF-op path (when active); 'tfjs tensorflow copying'
      // is the JS path on the same backend: readSync in, JS-held outputs.
      for (const [name, backend, ops] of [['tfjs tensorflow', 'tensorflow', true],
        ['tfjs tensorflow copying', 'tensorflow', false], ['tfjs cpu', 'cpu', true]] as const) {
        if (!ops && !stn.tensorflowOps().active) continue;
        const c = tfContender(name, backend, dataFor(backend), (t) => {
          const call = oursCall(t, pass);
          return call && (() => {
            useTensorflowOps(ops);
            try {
              call();
            } finally {
              useTensorflowOps(true);
            }
          });
        }, Infinity, allThreads);
        if (c) contenders.push(c);
      }
      if (o.composite) {
        for (const backend of ['tensorflow', 'cpu']) {
          const c = tfContender(`composite ${backend}`, backend, dataFor(backend),
              (t) => compositeCall(t, pass), o.quick ? 1 : 3, backend === 'cpu' ? 1 : cores);
          if (!c) continue;
          // tfjs-cpu's gather gradient (UnsortedSegmentSum) loops over every segment:
          // quadratic in the image size.
          const segments = s.n * s.h * s.w, elements = s.n * s.h * s.w * s.c;
          if (backend === 'cpu' && pass === 'bwd' && segments * elements > 5e8) {
            c.maxRounds = 0;
            c.note = 'skipped: tfjs-cpu\'s gather gradient is quadratic in the image size (minutes)';
          }
          contenders.push(c);
        }
      }
      if (torch) {
        for (const t of o.threads) {
          const c = torch.contender(pass, t);
          if (c) contenders.push(c);
        }
      }
      const times = await measure(contenders, o.rounds);
      const bytes = passBytes(s, pass);
      const elements = s.n * s.h * s.w * s.c;
      const med = new Map(contenders.map((c) => [c, times.get(c)!.length ? median(times.get(c)!) : NaN]));
      const composite = Math.min(...contenders.filter((c) => c.name.startsWith('composite'))
          .map((c) => med.get(c)!).filter((x) => !Number.isNaN(x)));
      const torchAt = (threads: number) => {
        const c = contenders.find((x) => x.name === `torch ${threads}t`);
        return c ? med.get(c)! : NaN;
      };
      for (const c of contenders) {
        const ms = times.get(c)!;
        if (ms.length === 0) {
          table.push([s.name, pass, c.name, '', 'skipped', '', '', '', '', '']);
          if (c.note) notes.add(`${s.name} ${pass} ${c.name}: ${c.note}`);
          continue;
        }
        const m = med.get(c)!;
        const row: Row = {shape: s.name, pass, contender: c.name, threads: c.threads,
          medianMs: m, minMs: Math.min(...ms), maxMs: Math.max(...ms)};
        rows.push(row);
        const bw = bandwidth.get(c.threads) ?? bandwidth.get(allThreads)!;
        const boundMs = bytes / bw * 1e3;
        table.push([s.name, pass, c.name, String(c.threads), m.toFixed(3),
          `${row.minMs.toFixed(2)}–${row.maxMs.toFixed(2)}${ms.length < o.rounds ? ` (${ms.length})` : ''}`,
          (elements / m / 1e3).toFixed(0), `${(100 * boundMs / m).toFixed(0)}%`,
          Number.isFinite(composite) && !c.name.startsWith('composite') ? `${(composite / m).toFixed(1)}×` : '',
          c.name.startsWith('torch') || Number.isNaN(torchAt(c.threads)) ? '' :
              `${(torchAt(c.threads) / m).toFixed(2)}×`]);
      }
      const one = rows.find((r) => r.shape === s.name && r.pass === pass && r.contender === 'native 1t');
      const all = rows.find((r) => r.shape === s.name && r.pass === pass && r.contender === `native ${cores}t`);
      if (one && all && cores > 1 && all.medianMs > one.medianMs && one.medianMs > 0.5) busy = true;
    }
    for (const t of Object.values(tfData)) tf.dispose([t.x, t.grid, t.theta, t.dy]);
  }
  progress('');
  if (process.stderr.isTTY) process.stderr.write('\r\x1b[K');
  torch?.close();

  const head = ['shape', 'pass', 'contender', 'thr', 'median ms', 'min–max', 'Melem/s', '% of bw bound',
    '× composite', '× torch'];
  const widths = head.map((h, i) => Math.max(h.length, ...table.map((r) => r[i].length)));
  const line = (r: string[]) => r.map((x, i) => (i < 3 ? x.padEnd(widths[i]) : x.padStart(widths[i]))).join('  ');
  console.log('');
  console.log(line(head));
  let last = '';
  for (const r of table) {
    const key = r[0] + r[1];
    if (last && key !== last) console.log('');
    last = key;
    console.log(line(r));
  }
  console.log('');
  console.log('shapes: ' + o.shapes.map((s) => `${s.name} N=${s.n} C=${s.c} ${s.h}×${s.w}`).join(' · ') +
      ' (output size = input size; random affine grids: rotation <= 30°, scale 0.8–1.2, shift <= 0.2)');
  for (const p of o.passes) console.log(`${p}: ${PASS_TEXT[p]}`);
  console.log('Melem/s: million output elements (N·Ho·Wo·C) per second. % of bw bound: the time the pass\'s ' +
      'minimum traffic (inputs read once, outputs written once) takes at the triad bandwidth of the same ' +
      'thread count, over the median.');
  console.log('native: the addon on plain Float32Arrays; tfjs: our ops through tfjs (backward passes through ' +
      'the GridSampleGrad kernel, steps through tf.grad); composite: stock tfjs ops (gather, indices off the ' +
      'tape; its bwd/bwd-grid include its forward, as autodiff needs it); torch: F.grid_sample (backward: ' +
      'aten.grid_sampler_2d_backward alone, step: a whole autograd step; torch has no fused op, so ' +
      'step-fused rows compare with torch\'s step).');
  for (const n of notes) console.log(`note: ${n}`);
  if (busy) {
    console.log(`WARNING: the machine looks busy: native ${cores}t was slower than native 1t ` +
        'somewhere; the figures are unreliable.');
  }
  if (o.json) {
    fs.writeFileSync(o.json, JSON.stringify(rows, null, 1));
    console.log(`wrote ${rows.length} rows to ${o.json}`);
  }
}
