// Contenders through tfjs: our ops (kernels registered by the library) and the
// same sampler built from stock tfjs ops (the composite baseline).
import * as tf from '@tensorflow/tfjs-node';

import {compositeAffineGrid, compositeGridSample} from '../lib/composite';
import * as stn from '../lib/index';
import {GridSampleGrad} from '../lib/kernel_names';
import {native} from '../lib/native';
import {Contender, timeIt} from './contender';
import {Data, DataPool} from './data';
import {BACKWARD, FORWARD, Pass} from './workload';

export interface TfData {x: tf.Tensor4D, grid: tf.Tensor4D, theta: tf.Tensor3D, dy: tf.Tensor4D}

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

/** The tensors of a shape's buffer sets, per backend, made on first use (on the current backend). */
export class TfPool {
  private sets = new Map<string, TfData[]>();
  constructor(private readonly data: DataPool) {}

  get(backend: string, set: number): TfData {
    const list = this.sets.get(backend) ?? [];
    this.sets.set(backend, list);
    while (list.length <= set) list.push(makeTfData(this.data.get(list.length)));
    return list[set];
  }

  dispose(): void {
    for (const list of this.sets.values()) for (const t of list) tf.dispose([t.x, t.grid, t.theta, t.dy]);
    this.sets.clear();
  }
}

/** Our ops through tfjs, or null where the pass has none. */
export function oursCall(t: TfData, pass: Pass): (() => void)|null {
  const size = () => t.x.shape as number[];
  const forward = FORWARD[pass];
  if (forward) {
    const options = {mode: forward.mode, paddingMode: forward.padding};
    return () => stn.gridSample(t.x, t.grid, options).dispose();
  }
  const backward = BACKWARD[pass];
  if (backward) {
    const attrs = {mode: backward.mode, paddingMode: 'zeros', alignCorners: false,
      computeInputGrad: backward.inputGrad, computeGridGrad: true};
    return () => tf.dispose(tf.engine().runKernel(GridSampleGrad, {dy: t.dy, input: t.x, grid: t.grid},
        attrs) as tf.Tensor[]);
  }
  switch (pass) {
    case 'step': return () => tf.grad(
        (th: tf.Tensor) => stn.gridSample(t.x, stn.affineGrid(th, size())))(t.theta, t.dy).dispose();
    case 'step-fused': return () => tf.grad(
        (th: tf.Tensor) => stn.affineSample(t.x, th, size()))(t.theta, t.dy).dispose();
    default: throw new Error(`bench: no tfjs call for pass '${pass}'`);
  }
}

/** The stock-tfjs composite, or null where it has no such pass (it is bilinear, zeros or border, unfused). */
export function compositeCall(t: TfData, pass: Pass): (() => void)|null {
  switch (pass) {
    case 'fwd': return () => compositeGridSample(t.x, t.grid).dispose();
    case 'fwd-border': return () => compositeGridSample(t.x, t.grid, 'border').dispose();
    case 'bwd': return () => tf.dispose(tf.grads(
        (a: tf.Tensor, b: tf.Tensor) => compositeGridSample(a as tf.Tensor4D, b as tf.Tensor4D))(
        [t.x, t.grid], t.dy));
    case 'bwd-grid': return () => tf.grad(
        (b: tf.Tensor) => compositeGridSample(t.x, b as tf.Tensor4D))(t.grid, t.dy).dispose();
    case 'step': return () => tf.grad((th: tf.Tensor) => compositeGridSample(t.x,
        compositeAffineGrid(th as tf.Tensor3D, t.x.shape[1], t.x.shape[2])))(t.theta, t.dy).dispose();
    default: return null;
  }
}

/**
 * A contender that runs a tfjs call on `backend` (switching to it first) on
 * `sets` buffer sets of `pool`, or null where `make` has none.
 */
export function tfContender(name: string, backend: string, pool: TfPool, sets: number,
    make: (t: TfData) => (() => void)|null, maxRounds: number, threads: number): Contender|null {
  if (make({} as TfData) === null) return null;
  const calls: (() => void)[] = [];
  return {name, threads, maxRounds,
    setup: async () => {
      await tf.setBackend(backend);
      while (calls.length < sets) calls.push(make(pool.get(backend, calls.length))!);
    },
    run: (set) => {
      native.setNumThreads(threads);
      return timeIt(calls[set]);
    }};
}
