// The base coordinates of every grid generator: PyTorch's linspace for
// F.affine_grid in float32, written once. Native code has its copy in
// native/affine_coords.h (affine_base_coord), operation for operation;
// test/grid_generators.test.ts checks that the two agree bit for bit. Plain
// arithmetic (Math.fround after every operation is float32 arithmetic), so the
// stock-tfjs composite can use it without the native kernels.
import * as tf from '@tensorflow/tfjs-core';

const f = Math.fround;

/**
 * Element i of ATen's _linspace_from_neg_one: linspace(-1, 1, steps) by
 * linspace's two-sided formula in float32, then · (steps − 1) / steps when
 * !alignCorners.
 */
export function baseCoord(i: number, steps: number, alignCorners: boolean): number {
  if (steps <= 1) return 0;
  const step = f(2 / f(steps - 1));
  let v = i < Math.floor(steps / 2) ? f(-1 + f(step * i)) : f(1 - f(step * (steps - i - 1)));
  if (!alignCorners) v = f(f(v * (steps - 1)) / steps);
  return v;
}

/** (x_j, y_i) of every output pixel of an Ho × Wo grid, row-major: [Ho·Wo·2]. */
export function baseCoords(ho: number, wo: number, alignCorners: boolean): Float32Array {
  const xs = Array.from({length: wo}, (_, j) => baseCoord(j, wo, alignCorners));
  const out = new Float32Array(ho * wo * 2);
  for (let i = 0; i < ho; i++) {
    const y = baseCoord(i, ho, alignCorners);
    for (let j = 0; j < wo; j++) out.set([xs[j], y], (i * wo + j) * 2);
  }
  return out;
}

/** baseCoords as a constant tensor [1, Ho, Wo, 2]: the identity's affineGrid, bit for bit. */
export function baseGrid(ho: number, wo: number, alignCorners: boolean): tf.Tensor4D {
  return tf.tensor4d(baseCoords(ho, wo, alignCorners), [1, ho, wo, 2]);
}
