// onnxruntime-node's GridSample as a forward contender: what a Node user might
// pick for inference. Optional: found when installed (the repository root
// lists it as an optional dependency), skipped with a note otherwise. Its
// inputs are NCHW, ONNX's layout; its output is preallocated per buffer set,
// as the raw addon's is.
import {native} from '../lib/native';
import {Contender} from './contender';
import {Data, DataPool} from './data';
import {GRID_SAMPLE_OPSET, gridSampleModel} from './onnx_model';
import {FORWARD, Pass, SamplerOptions, Shape} from './workload';

/** The part of onnxruntime-node's API the bench uses (declared here: the package is optional). */
interface OrtTensor {readonly data: unknown}
interface OrtSession {
  run(feeds: Record<string, OrtTensor>, fetches: Record<string, OrtTensor>): Promise<Record<string, OrtTensor>>;
}
interface Ort {
  InferenceSession: {create(model: Uint8Array, options: Record<string, unknown>): Promise<OrtSession>};
  Tensor: new (type: 'float32', data: Float32Array, dims: number[]) => OrtTensor;
  env: {versions: {common: string, node?: string}};
}

/** How far ONNX's result may be from ours before the contender is dropped as not comparable. */
const AGREEMENT = 1e-5;

function nchw(d: Data): Float32Array {
  const [n, h, w, c] = d.dims;
  const out = new Float32Array(d.input.length);
  for (let b = 0; b < n; b++) {
    for (let p = 0; p < h * w; p++) {
      for (let k = 0; k < c; k++) out[(b * c + k) * h * w + p] = d.input[(b * h * w + p) * c + k];
    }
  }
  return out;
}

interface OrtSet {feeds: Record<string, OrtTensor>, output: Float32Array, fetches: Record<string, OrtTensor>}

export class OnnxRuntime {
  private sessions = new Map<string, Promise<OrtSession>>();
  private sets: OrtSet[] = [];
  private shape: Shape|null = null;
  /** Per shape and options: null when ONNX agrees with us, else why the contender is skipped. */
  private verdicts = new Map<string, string|null>();

  private constructor(private readonly ort: Ort, readonly version: string) {}

  /** onnxruntime-node, or the reason it is not there. */
  static load(): OnnxRuntime|string {
    let ort: Ort;
    try {
      ort = require('onnxruntime-node') as Ort;
    } catch (err) {
      const e = err as NodeJS.ErrnoException;
      if (e.code === 'MODULE_NOT_FOUND' && /'onnxruntime-node'/.test(e.message)) {
        return 'not installed (the repository root installs it as an optional dependency; elsewhere ' +
            '`npm install --ignore-scripts onnxruntime-node`)';
      }
      return `could not be loaded: ${e.message.split('\n')[0]}`;
    }
    return new OnnxRuntime(ort, `onnxruntime-node ${ort.env.versions.node ?? ort.env.versions.common} ` +
        `(GridSample, opset ${GRID_SAMPLE_OPSET}, CPU)`);
  }

  private session(options: SamplerOptions, threads: number): Promise<OrtSession> {
    const k = `${options.mode} ${options.padding} ${threads}`;
    if (!this.sessions.has(k)) {
      this.sessions.set(k, this.ort.InferenceSession.create(gridSampleModel(options), {
        intraOpNumThreads: threads, interOpNumThreads: 1, executionMode: 'sequential',
        graphOptimizationLevel: 'all'}));
    }
    return this.sessions.get(k)!;
  }

  /** Buffer set `set` of `pool` as ONNX tensors (the sets of the previous shape are dropped). */
  private set(pool: DataPool, set: number): OrtSet {
    if (this.shape !== pool.shape) {
      this.shape = pool.shape;
      this.sets = [];
    }
    const [n, h, w, c] = pool.get(0).dims;
    while (this.sets.length <= set) {
      const d = pool.get(this.sets.length);
      const output = this.sets[0]?.output ?? new Float32Array(d.out.length);  // one output, as data.ts says
      this.sets.push({output,
        feeds: {X: new this.ort.Tensor('float32', nchw(d), [n, c, h, w]),
          Grid: new this.ort.Tensor('float32', d.grid, [n, h, w, 2])},
        fetches: {Y: new this.ort.Tensor('float32', output, [n, c, h, w])}});
    }
    return this.sets[set];
  }

  /** Null when ONNX's output on set 0 equals ours (NCHW against NHWC) within AGREEMENT, else why not. */
  private async disagreement(pool: DataPool, options: SamplerOptions, session: OrtSession): Promise<string|null> {
    const k = `${pool.shape.name} ${options.mode} ${options.padding}`;
    if (!this.verdicts.has(k)) {
      const d = pool.get(0), s = this.set(pool, 0);
      await session.run(s.feeds, s.fetches);
      const ours = new Float32Array(d.out.length);
      native.gridSampleForward(d.input, d.grid, ours, d.dims, native.Interpolation[options.mode],
          native.Padding[options.padding], false);
      const [n, h, w, c] = d.dims;
      let worst = 0;
      for (let b = 0; b < n; b++) {
        for (let p = 0; p < h * w; p++) {
          for (let q = 0; q < c; q++) {
            const diff = Math.abs(s.output[(b * c + q) * h * w + p] - ours[(b * h * w + p) * c + q]);
            worst = Number.isNaN(diff) ? Infinity : Math.max(worst, diff);
          }
        }
      }
      this.verdicts.set(k, worst <= AGREEMENT ? null :
        `skipped: its output differs from ours by up to ${worst.toExponential(2)} (more than ${AGREEMENT})`);
    }
    return this.verdicts.get(k)!;
  }

  /**
   * ONNX at `threads` on `sets` buffer sets of `pool`, or null for a pass that
   * is not a forward one; skipped with a note where ONNX's result is not ours.
   */
  async contender(pool: DataPool, pass: Pass, threads: number, sets: number): Promise<Contender|null> {
    const options = FORWARD[pass];
    if (options === undefined) return null;
    const session = await this.session(options, threads);
    const why = await this.disagreement(pool, options, session);
    return {name: `onnxruntime ${threads}t`, threads, maxRounds: why === null ? Infinity : 0, note: why ?? undefined,
      setup: () => {
        this.set(pool, sets - 1);
      },
      run: async (set) => {
        const s = this.sets[set];
        const t0 = performance.now();
        await session.run(s.feeds, s.fetches);
        return performance.now() - t0;
      }};
  }
}
