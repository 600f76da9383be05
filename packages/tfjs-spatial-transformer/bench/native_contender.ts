// The raw addon on plain Float32Arrays: the kernels without tfjs around them.
import * as path from 'path';

import {uninitialisedFloat32} from '../lib/backend_io';
import {native} from '../lib/native';
import {Contender, timeIt} from './contender';
import {Data, DataPool} from './data';
import {BACKWARD, FORWARD, Pass} from './workload';

/** STN_BENCH_BASELINE=path/to/other/stn_native.node adds its raw calls as "baseline" contenders. */
export const baseline: typeof native|null = process.env.STN_BENCH_BASELINE ?
    require(path.resolve(process.env.STN_BENCH_BASELINE)) : null;

/**
 * Where a raw call writes: the outputs every buffer set shares, or new
 * uninitialised arrays each call, as our tfjs-cpu kernels allocate them
 * (lib/backend_io.ts): that memory is fresh, paged in as the kernel writes it.
 */
export type RawOutputs = 'shared'|'fresh';

/**
 * The call of `pass` on one buffer set, or null where `addon` has none (a
 * baseline build without the fused op or a mode; fresh outputs for the
 * steps, whose tfjs counterparts allocate every intermediate too).
 */
function rawCall(addon: typeof native, d: Data, pass: Pass, outputs: RawOutputs): (() => void)|null {
  const {dims: sh, input, grid, gout, theta} = d;
  const fresh = outputs === 'fresh';
  const out = (shared: Float32Array) => (fresh ? uninitialisedFloat32(shared.length) : shared);
  const B = addon.Interpolation.bilinear, Z = addon.Padding.zeros;
  const [n, , , , ho, wo] = sh;
  const forward = FORWARD[pass];
  if (forward) {
    const mode = addon.Interpolation[forward.mode], padding = addon.Padding[forward.padding];
    if (mode === undefined) return null;
    return () => addon.gridSampleForward(input, grid, out(d.out), sh, mode, padding, false);
  }
  const backward = BACKWARD[pass];
  if (backward) {
    const mode = addon.Interpolation[backward.mode], gin = backward.inputGrad ? d.gin : null;
    if (mode === undefined) return null;
    return () => addon.gridSampleBackward(gout, input, grid, gin && out(gin), out(d.ggrid), sh, mode, Z, false);
  }
  if (fresh) return null;
  switch (pass) {
    case 'step': return () => {
      addon.affineGridForward(theta, d.grid2, n, ho, wo, false);
      addon.gridSampleForward(input, d.grid2, d.out, sh, B, Z, false);
      addon.gridSampleBackward(gout, input, d.grid2, null, d.ggrid, sh, B, Z, false);
      addon.affineGridBackward(d.ggrid, d.gtheta, n, ho, wo, false);
    };
    case 'step-fused':
      if (typeof (addon as Partial<typeof native>).affineSampleForward !== 'function') return null;
      return () => {
        addon.affineSampleForward(input, theta, d.out, sh, B, Z, false);
        addon.affineSampleBackward(gout, input, theta, null, d.gtheta, sh, B, Z, false);
      };
    default: throw new Error(`bench: no raw call for pass '${pass}'`);
  }
}

/**
 * A raw contender on `sets` buffer sets of `pool`, named `label` and the
 * thread count, or null where `addon` has no such call.
 */
export function rawContender(pool: DataPool, pass: Pass, threads: number, sets: number,
    {addon = native, label = 'native', outputs = 'shared'}: {addon?: typeof native, label?: string,
      outputs?: RawOutputs} = {}): Contender|null {
  if (rawCall(addon, pool.get(0), pass, outputs) === null) return null;
  const calls: (() => void)[] = [];
  return {name: `${label} ${threads}t`, threads, maxRounds: Infinity,
    setup: () => {
      while (calls.length < sets) calls.push(rawCall(addon, pool.get(calls.length), pass, outputs)!);
    },
    run: (set) => {
      addon.setNumThreads(threads);
      return timeIt(calls[set]);
    }};
}
