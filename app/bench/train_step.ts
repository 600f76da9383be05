// `npm run bench:step`: the training step of `stn train` (ST-CNN, affine,
// RTS 42×42 → 28×28, batch 128, Adam) in tfjs-node, with and without the
// app's speed levers, beside the same model in PyTorch, in one run.
//
// Every contender is a child process speaking JSON lines (the tfjs ones must
// be: TF_ENABLE_ONEDNN_OPTS is read once, when libtensorflow loads). After a
// warm-up the coordinator asks each for one step in turn, round after round,
// so that a busy machine slows all of them alike, and reports per phase (data
// generation, forward, backward, optimizer) the median, the spread, and the
// ratio to PyTorch; then one profiled step of each (the sampler's share, the
// top kernels); and, since the tfjs contenders start from the same weights and
// see the same batches, how far each one's losses drift from stock tfjs's.
//
// Flags: --rounds N (default 20), --warmup N (5), --batch N (128), --threads N
// (2: TF's and PyTorch's intra-op threads and our kernels' OpenMP threads),
// --contenders a,b (default all), --json FILE, --no-torch.
import {ChildProcessWithoutNullStreams, spawn, spawnSync} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import * as readline from 'readline';

/** A tfjs contender: how its process loads libtensorflow and trains. */
interface TfjsOptions {
  onednn: boolean;
  fusedRelu: boolean;
  /** Batches made by a worker thread during the previous step (its data time: the wait for it). */
  dataWorker: boolean;
  /** The app's FlatAdam instead of tfjs's Adam. */
  flatAdam: boolean;
  /** The library's useFastMaxPoolGrad. */
  fastMaxPoolGrad: boolean;
}

const off = {onednn: false, fusedRelu: false, dataWorker: false, flatAdam: false, fastMaxPoolGrad: false};
const TFJS_CONTENDERS: Record<string, TfjsOptions> = {
  'tfjs stock': off,
  'tfjs +oneDNN': {...off, onednn: true},
  'tfjs +ReluGrad': {...off, fusedRelu: true},
  'tfjs +flat Adam': {...off, flatAdam: true},
  'tfjs +fast MaxPoolGrad': {...off, fastMaxPoolGrad: true},
  'tfjs +oneDNN +ReluGrad': {...off, onednn: true, fusedRelu: true},
  'tfjs +oneDNN +ReluGrad +flat Adam': {...off, onednn: true, fusedRelu: true, flatAdam: true},
  'tfjs +oneDNN +ReluGrad +flat Adam +fast MaxPoolGrad': {...off, onednn: true, fusedRelu: true, flatAdam: true,
    fastMaxPoolGrad: true},
  'tfjs all (stn train)': {onednn: true, fusedRelu: true, dataWorker: true, flatAdam: true, fastMaxPoolGrad: true},
};
const TORCH = 'pytorch';
/** PyTorch on one thread: on a busy machine its 2-thread OpenMP regions wait for a descheduled thread. */
const TORCH_1T = 'pytorch 1t';
const PHASES = ['data', 'forward', 'backward', 'optimizer'] as const;
type Phase = typeof PHASES[number];
type StepReply = Record<Phase, number> & {loss: number};
interface ProfileReply {kernels: [string, number][], total: number, sampler: number}

// ---------------------------------------------------------------- the tfjs worker

async function worker(options: TfjsOptions, batch: number, threads: number): Promise<void> {
  // Loaded here, after the coordinator set this process's environment.
  const tf = await import('@tensorflow/tfjs-node');
  const stn = await import('tfjs-spatial-transformer');
  const {AdamState} = await import('../src/train/adam_state');
  const {FlatAdam} = await import('../src/train/flat_adam');
  const {InlineBatches, WorkerBatches} = await import('../src/train/batches');
  const {readMnist} = await import('../src/train/idx');
  const {buildModel} = await import('../src/train/models');
  const {Random} = await import('../src/train/random');
  const {trainStep} = await import('../src/train/step');
  stn.setNumThreads(threads);
  if (options.fusedRelu) stn.useFusedReluGrad();
  if (options.fastMaxPoolGrad) stn.useFastMaxPoolGrad();

  const source = readMnist('train');
  const model = buildModel({model: 'st-cnn', inputSize: 42, transform: 'affine', sampler: 'native', stSize: 28,
    seed: 1});
  const variables = model.trainableWeights.map((w) => w.read() as import('@tensorflow/tfjs-node').Variable);
  const adam = options.flatAdam ? new FlatAdam(variables, 0.002) : new AdamState(tf.train.adam(0.002));
  const random = new Random(7);
  let epoch = 0;
  const nextKey = () => ({epoch: epoch++, indices: Array.from({length: batch}, () => random.int(source.count))});
  const batches = options.dataWorker ? new WorkerBatches('rts', 1, source) : new InlineBatches('rts', 1, source);
  let pending: ReturnType<typeof batches.make>|null = null;
  /** The next batch: made now, or (data worker) the one made during the last step, the one after requested. */
  const makeBatch = async () => {
    const made = await (pending ?? batches.make(nextKey()));
    pending = options.dataWorker ? batches.make(nextKey()) : null;
    return made;
  };

  const reply = (value: unknown) => process.stdout.write(JSON.stringify(value) + '\n');
  for await (const line of readline.createInterface({input: process.stdin})) {
    const request = JSON.parse(line) as {cmd: string, steps?: number};
    if (request.cmd === 'step') {
      const t0 = performance.now();
      const {images, labels} = await makeBatch();
      const data = performance.now() - t0;
      const times = {forward: 0, backward: 0, optimizer: 0};
      const {loss} = trainStep(model, variables, adam, images, labels, times);
      tf.dispose([images, labels]);
      reply({data, ...times, loss});
    } else if (request.cmd === 'profile') {
      const {images, labels} = await makeBatch();
      const steps = request.steps ?? 3;
      const info = await tf.profile(() => {
        for (let i = 0; i < steps; i++) trainStep(model, variables, adam, images, labels);
      });
      tf.dispose([images, labels]);
      const totals = new Map<string, number>();
      for (const k of info.kernels) {
        totals.set(k.name, (totals.get(k.name) ?? 0) + Number(k.kernelTimeMs) / steps);
      }
      const kernels = [...totals].sort((a, b) => b[1] - a[1]);
      // The sampler's kernels only: the app's other kernels (StnReluGrad, StnMaxPoolGrad) are not the sampler.
      const sampler = kernels.filter(([name]) => stn.SAMPLER_KERNELS.includes(name)).reduce((s, [, ms]) => s + ms, 0);
      reply({kernels: kernels.slice(0, 12), total: kernels.reduce((s, [, ms]) => s + ms, 0), sampler});
    } else {
      reply({error: `unknown command ${request.cmd}`});
    }
  }
  await batches.close();
}

// ---------------------------------------------------------------- the coordinator

/** A contender's process and its line protocol. */
class Contender {
  private readonly lines: AsyncIterableIterator<string>;
  readonly steps: StepReply[] = [];
  profile: ProfileReply|null = null;

  constructor(readonly name: string, private readonly child: ChildProcessWithoutNullStreams) {
    this.lines = readline.createInterface({input: child.stdout})[Symbol.asyncIterator]();
    let stderr = '';
    child.stderr.on('data', (d) => stderr = (stderr + d).slice(-4000));
    child.on('exit', (code) => {
      if (code !== 0 && code !== null) process.stderr.write(`${name} exited with ${code}:\n${stderr}\n`);
    });
  }

  async ask<T>(request: object): Promise<T> {
    this.child.stdin.write(JSON.stringify(request) + '\n');
    const {value, done} = await this.lines.next();
    if (done) throw new Error(`${this.name}: its process ended`);
    const reply = JSON.parse(value);
    if (reply.error) throw new Error(`${this.name}: ${reply.error}`);
    return reply as T;
  }

  close(): void {
    this.child.stdin.end();
  }
}

function findTorchPython(): {python: string, version: string}|{note: string} {
  const candidates = [...new Set([process.env.STN_BENCH_PYTHON, 'python3', 'python'].filter((p): p is string => !!p))];
  for (const python of candidates) {
    const probe = spawnSync(python, ['-c', 'import torch; print(torch.__version__)'], {encoding: 'utf8'});
    if (probe.status === 0) return {python, version: probe.stdout.trim()};
  }
  return {note: `no python with torch found (tried ${candidates.join(', ')}; set STN_BENCH_PYTHON)`};
}

function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

interface Args {rounds: number, warmup: number, batch: number, threads: number, contenders: string[]|null,
  json: string|null, torch: boolean}

function parseArgs(argv: string[]): Args {
  const args: Args = {rounds: 20, warmup: 5, batch: 128, threads: 2, contenders: null, json: null, torch: true};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i], value = () => {
      if (i + 1 >= argv.length) throw new Error(`${flag} needs a value`);
      return argv[++i];
    };
    const int = () => {
      const n = Number(value());
      if (!Number.isInteger(n) || n < 1) throw new Error(`${flag} must be a positive integer`);
      return n;
    };
    if (flag === '--rounds') args.rounds = int();
    else if (flag === '--warmup') args.warmup = int();
    else if (flag === '--batch') args.batch = int();
    else if (flag === '--threads') args.threads = int();
    else if (flag === '--contenders') args.contenders = value().split(',');
    else if (flag === '--json') args.json = value();
    else if (flag === '--no-torch') args.torch = false;
    else throw new Error(`unknown flag ${flag} (see the top of app/bench/train_step.ts)`);
  }
  return args;
}

async function coordinator(args: Args): Promise<void> {
  const known = [...Object.keys(TFJS_CONTENDERS), TORCH, TORCH_1T];
  const names = args.contenders ?? known;
  for (const name of names) {
    if (!known.includes(name)) throw new Error(`unknown contender '${name}' (known: ${known.join(', ')})`);
  }
  const contenders: Contender[] = [];
  const notes: string[] = [];
  /** PyTorch at the same threads: the reference of the ratios. */
  let torchReference: Contender|null = null;
  for (const name of names) {
    if (name === TORCH || name === TORCH_1T) {
      if (!args.torch) continue;
      const found = findTorchPython();
      if ('note' in found) {
        if (!notes.some((n) => n.startsWith('PyTorch'))) notes.push(`PyTorch skipped: ${found.note}`);
        continue;
      }
      const threads = name === TORCH ? args.threads : 1;
      const child = spawn(found.python, [path.join(__dirname, '..', '..', 'bench', 'torch_train_step.py')],
          {env: {...process.env, OMP_NUM_THREADS: String(threads)}});
      const torch = new Contender(`${name} ${found.version}`, child);
      const {mnistDataFolder} = await import('../src/train/idx');
      await torch.ask({cmd: 'setup', batch: args.batch, threads, lr: 0.002, mnist: mnistDataFolder()});
      contenders.push(torch);
      if (name === TORCH) torchReference = torch;
      continue;
    }
    const options = TFJS_CONTENDERS[name];
    const env: NodeJS.ProcessEnv = {...process.env, TF_CPP_MIN_LOG_LEVEL: '2',
      TF_ENABLE_ONEDNN_OPTS: options.onednn ? '1' : '0'};
    const child = spawn(process.execPath, [__filename, '--worker', JSON.stringify(options), String(args.batch),
      String(args.threads)], {env});
    contenders.push(new Contender(name, child));
  }

  const load = [os.loadavg()[0]];
  process.stderr.write(`warm-up: ${args.warmup} steps each\n`);
  for (let i = 0; i < args.warmup; i++) for (const c of contenders) await c.ask<StepReply>({cmd: 'step'});
  for (let r = 0; r < args.rounds; r++) {
    for (const c of contenders) c.steps.push(await c.ask<StepReply>({cmd: 'step'}));
    process.stderr.write(`\rround ${r + 1}/${args.rounds}`);
  }
  process.stderr.write('\n');
  load.push(os.loadavg()[0]);
  for (const c of contenders) c.profile = await c.ask<ProfileReply>({cmd: 'profile', steps: 3});
  for (const c of contenders) c.close();

  const {execFileSync} = await import('child_process');
  let cpu = os.cpus()[0]?.model.trim() ?? 'unknown';
  try {
    cpu = /Model name:\s*(.*)/.exec(execFileSync('lscpu', {encoding: 'utf8'}))?.[1]?.trim() ?? cpu;
  } catch { /* no lscpu: keep Node's name */ }
  const stn = await import('tfjs-spatial-transformer');
  const lines: string[] = [];
  const out = (line = '') => lines.push(line);
  out(`ST-CNN training step (stn train's model: affine, RTS 42×42 → 28×28), batch ${args.batch}, Adam; ` +
      `${args.threads} threads; ${args.rounds} interleaved rounds after ${args.warmup} warm-up steps`);
  out(`CPU: ${cpu} (${os.availableParallelism()} cores), ISA of our kernels: ${stn.getIsa()}; ` +
      `1-min load ${load.map((l) => l.toFixed(2)).join(' → ')}`);
  if (load.some((l) => l > args.threads + 0.5)) out('WARNING: the machine is busy (load above the threads used); rerun when quiet');
  for (const note of notes) out(note);
  out();
  const total = (s: StepReply) => PHASES.reduce((sum, p) => sum + s[p], 0);
  const rows = contenders.map((c) => {
    const med = Object.fromEntries(PHASES.map((p) => [p, median(c.steps.map((s) => s[p]))])) as Record<Phase, number>;
    const totals = c.steps.map(total);
    return {c, med, step: median(totals), min: Math.min(...totals), max: Math.max(...totals)};
  });
  const torchStep = rows.find((r) => r.c === torchReference)?.step;
  out('| contender | data ms | forward ms | backward ms | optimizer ms | step ms (min–max) | img/s | × PyTorch |');
  out('| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |');
  for (const r of rows) {
    out(`| ${r.c.name} | ${PHASES.map((p) => r.med[p].toFixed(1)).join(' | ')} | ${r.step.toFixed(1)} ` +
        `(${r.min.toFixed(0)}–${r.max.toFixed(0)}) | ${(args.batch * 1000 / r.step).toFixed(0)} | ` +
        `${torchStep ? (r.step / torchStep).toFixed(2) : '–'} |`);
  }
  out();
  out('Profiled training step without the data (per step; tfjs: tf.profile kernel times, PyTorch: torch.profiler self CPU):');
  for (const c of contenders) {
    const p = c.profile!;
    out(`- ${c.name}: ${p.total.toFixed(1)} ms in kernels, the sampler (forward + backward) ` +
        `${p.sampler.toFixed(2)} ms = ${(100 * p.sampler / p.total).toFixed(1)}%; top: ` +
        p.kernels.slice(0, 8).map(([n, ms]) => `${n} ${ms.toFixed(1)}`).join(', '));
  }
  const stock = contenders.find((c) => c.name === 'tfjs stock');
  if (stock !== undefined) {
    out();
    out('Numerics: the tfjs contenders start from the same weights and see the same batches; the largest ' +
        'relative difference of their per-step losses from stock tfjs\'s:');
    for (const c of contenders) {
      if (c === stock || c.name.startsWith(TORCH)) continue;
      const all = [...c.steps];
      const drift = Math.max(...all.map((s, i) => Math.abs(s.loss - stock.steps[i].loss) / Math.abs(stock.steps[i].loss)));
      out(`- ${c.name}: ${drift.toExponential(2)} over ${all.length} steps`);
    }
  }
  process.stdout.write(lines.join('\n') + '\n');
  if (args.json) {
    fs.writeFileSync(args.json, JSON.stringify({args, cpu, isa: stn.getIsa(), load, notes,
      contenders: contenders.map((c) => ({name: c.name, steps: c.steps, profile: c.profile}))}, null, 1));
  }
}

if (process.argv[2] === '--worker') {
  worker(JSON.parse(process.argv[3]), Number(process.argv[4]), Number(process.argv[5])).catch((err) => {
    process.stderr.write(`${err.stack ?? err}\n`);
    process.exit(1);
  });
} else {
  coordinator(parseArgs(process.argv.slice(2))).catch((err) => {
    process.stderr.write(`train_step: ${err.message ?? err}\n`);
    process.exit(1);
  });
}
