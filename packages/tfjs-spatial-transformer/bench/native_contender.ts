// The raw addon on plain Float32Arrays: the kernels without tfjs around them.
import * as path from 'path';

import {native} from '../lib/native';
import {Contender, timeIt} from './contender';
import {Data} from './data';
import {Pass} from './workload';

/** STN_BENCH_BASELINE=path/to/other/stn_native.node adds its raw calls as "baseline" contenders. */
export const baseline: typeof native|null = process.env.STN_BENCH_BASELINE ?
    require(path.resolve(process.env.STN_BENCH_BASELINE)) : null;

/** A raw contender, or null where `addon` has no such call (a baseline build without the fused op). */
export function rawContender(d: Data, pass: Pass, threads: number, addon: typeof native = native,
    label = 'native'): Contender|null {
  const {dims: sh, input, grid, gout, theta} = d;
  const B = addon.Interpolation.bilinear, N = addon.Interpolation.nearest, Z = addon.Padding.zeros;
  const [n, , , , ho, wo] = sh;
  const hasFused = typeof (addon as Partial<typeof native>).affineSampleForward === 'function';
  const calls: Record<Pass, (() => void)|null> = {
    'fwd': () => addon.gridSampleForward(input, grid, d.out, sh, B, Z, false),
    'fwd-nearest': () => addon.gridSampleForward(input, grid, d.out, sh, N, Z, false),
    'bwd': () => addon.gridSampleBackward(gout, input, grid, d.gin, d.ggrid, sh, B, Z, false),
    'bwd-nearest': () => addon.gridSampleBackward(gout, input, grid, d.gin, d.ggrid, sh, N, Z, false),
    'bwd-grid': () => addon.gridSampleBackward(gout, input, grid, null, d.ggrid, sh, B, Z, false),
    'step': () => {
      addon.affineGridForward(theta, d.grid2, n, ho, wo, false);
      addon.gridSampleForward(input, d.grid2, d.out, sh, B, Z, false);
      addon.gridSampleBackward(gout, input, d.grid2, null, d.ggrid, sh, B, Z, false);
      addon.affineGridBackward(d.ggrid, d.gtheta, n, ho, wo, false);
    },
    'step-fused': hasFused ? () => {
      addon.affineSampleForward(input, theta, d.out, sh, B, Z, false);
      addon.affineSampleBackward(gout, input, theta, null, d.gtheta, sh, B, Z, false);
    } : null,
  };
  const call = calls[pass];
  if (call === null) return null;
  return {name: `${label} ${threads}t`, threads, maxRounds: Infinity,
    run: () => {
      addon.setNumThreads(threads);
      return timeIt(call);
    }};
}
