// attentionGrid, projectiveGrid and tpsGrid against closed forms, against
// affineGrid, and against central finite differences, on each backend.
import * as tf from '@tensorflow/tfjs-node';
import {afterEach, beforeAll, describe, expect, test, vi} from 'vitest';

import {affineGrid, attentionGrid, gridSample, PROJECTIVE_FAR, projectiveGrid, tpsControlPoints,
  tpsGrid} from '../lib';
import {baseCoords} from '../lib/base_grid';
import {native} from '../lib/native';
import {ALIGNS, BACKEND_NAMES, expectBitwise, expectClose, normalise, randomArray, rng, useBackend,
  weightedSum} from './helpers';

/** Base coordinate j of a side of `size` output pixels, in float64. */
const base = (j: number, size: number, alignCorners: boolean) =>
  alignCorners ? (size > 1 ? -1 + (2 * j) / (size - 1) : 0) : normalise(j, size, false);

/**
 * Central finite differences of sum(weights · grid(params)) against tf.grad,
 * at every parameter. `step` suits the op: large for the linear generators.
 */
function checkGradient(op: (p: tf.Tensor) => tf.Tensor, params: Float32Array, shape: number[],
    gridLength: number, step: number, tol: number, seed: number): void {
  const weights = randomArray(rng(seed), gridLength);
  const loss = () => tf.tidy(() => weightedSum(op(tf.tensor(params, shape)), weights));
  const analytic = tf.tidy(() => tf.grad((p: tf.Tensor) => tf.sum(tf.mul(op(p),
      tf.reshape(tf.tensor(weights), op(p).shape))))(tf.tensor(params, shape)).dataSync());
  for (let i = 0; i < params.length; i++) {
    const saved = params[i];
    params[i] = saved + step;
    const plus = loss();
    params[i] = saved - step;
    const minus = loss();
    params[i] = saved;
    const numeric = (plus - minus) / (2 * step);
    expect(Math.abs(analytic[i] - numeric), `parameter ${i}: analytic ${analytic[i]}, numeric ${numeric}`)
        .toBeLessThanOrEqual(tol * Math.max(1, Math.abs(numeric)));
  }
}

describe.each(BACKEND_NAMES)('grid generators on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  describe.each(ALIGNS)('alignCorners %s', (alignCorners) => {
    test('attentionGrid equals affineGrid of [[s, 0, tx], [0, s, ty]]', () => {
      const params = [[1, 0, 0], [0.5, 0.25, -0.3], [-1.2, 0.1, 0.7]];
      const theta = params.map(([s, tx, ty]) => [[s, 0, tx], [0, s, ty]]);
      const got = attentionGrid(tf.tensor2d(params), [3, 5, 6, 2], {alignCorners});
      const expected = affineGrid(tf.tensor3d(theta), [3, 5, 6, 2], {alignCorners});
      expect(got.shape).toEqual([3, 5, 6, 2]);
      expectClose(got.dataSync(), expected.dataSync(), {rtol: 0, atol: 1e-6}, 'grid');
    });

    test('attentionGrid: the gradient matches central finite differences', () => {
      const [n, ho, wo] = [2, 4, 5];
      const params = randomArray(rng(3), n * 3);
      checkGradient((p) => attentionGrid(p, [n, ho, wo, 1], {alignCorners}), params, [n, 3],
          n * ho * wo * 2, 0.125, 1e-4, 4);
    });

    test('projectiveGrid with last row (0, 0, 1) equals affineGrid of the first two rows', () => {
      const theta = randomArray(rng(5), 2 * 6);
      const h8 = [...theta.slice(0, 6), 0, 0, ...theta.slice(6), 0, 0];
      const expected = affineGrid(tf.tensor3d(theta, [2, 2, 3]), [2, 4, 7, 1], {alignCorners}).dataSync();
      const got8 = projectiveGrid(tf.tensor2d(h8, [2, 8]), [2, 4, 7, 1], {alignCorners}).dataSync();
      expectClose(got8, expected, {rtol: 0, atol: 1e-6}, '[N,8]');
      const h33 = [...theta.slice(0, 6), 0, 0, 1, ...theta.slice(6), 0, 0, 1];
      const got33 = projectiveGrid(tf.tensor3d(h33, [2, 3, 3]), [2, 4, 7, 1], {alignCorners}).dataSync();
      expectClose(got33, expected, {rtol: 0, atol: 1e-6}, '[N,3,3]');
    });

    test('projectiveGrid matches the closed-form perspective divide', () => {
      const h = [1.1, 0.2, -0.1, -0.15, 0.9, 0.05, 0.3, -0.2, 1.05];
      const [ho, wo] = [3, 5];
      const got = projectiveGrid(tf.tensor3d(h, [1, 3, 3]), [1, ho, wo, 1], {alignCorners}).dataSync();
      const expected: number[] = [];
      for (let i = 0; i < ho; i++) {
        for (let j = 0; j < wo; j++) {
          const x = base(j, wo, alignCorners), y = base(i, ho, alignCorners);
          const w = h[6] * x + h[7] * y + h[8];
          expected.push((h[0] * x + h[1] * y + h[2]) / w, (h[3] * x + h[4] * y + h[5]) / w);
        }
      }
      expectClose(got, expected, {rtol: 1e-5, atol: 1e-6}, 'grid');
      // A scaled H is the same homography.
      const scaled = projectiveGrid(tf.mul(tf.tensor3d(h, [1, 3, 3]), 2.5), [1, ho, wo, 1], {alignCorners});
      expectClose(scaled.dataSync(), expected, {rtol: 1e-5, atol: 1e-6}, 'scaled H');
    });

    test('projectiveGrid: the gradient matches central finite differences', () => {
      const [n, ho, wo] = [2, 3, 4];
      const random = rng(7);
      const identity = [1, 0, 0, 0, 1, 0, 0, 0];
      const params = Float32Array.from({length: n * 8}, (_, i) => identity[i % 8] + 0.2 * (random() - 0.5));
      checkGradient((p) => projectiveGrid(p, [n, ho, wo, 1], {alignCorners}), params, [n, 8],
          n * ho * wo * 2, 1e-2, 2e-3, 8);
    });

    test('tpsGrid with the points at their rest positions is the identity grid', () => {
      const rest = tf.tensor3d([tpsControlPoints(), tpsControlPoints()]);
      const identity = affineGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0]], [[1, 0, 0], [0, 1, 0]]]),
          [2, 9, 7, 3], {alignCorners}).dataSync();
      expectClose(tpsGrid(rest, [2, 9, 7, 3], {alignCorners}).dataSync(), identity,
          {rtol: 0, atol: 2e-6}, 'grid');
    });

    test('tpsGrid reproduces an affine motion of the control points exactly', () => {
      // q = A c + b for every control point: the spline is that affine map.
      const theta = [0.8, 0.3, 0.1, -0.2, 1.1, -0.05];
      const controlPoints = [[-0.9, -0.8], [0.7, -0.6], [0.1, 0.2], [-0.5, 0.9], [0.8, 0.7]];
      const moved = controlPoints.map(([x, y]) =>
        [theta[0] * x + theta[1] * y + theta[2], theta[3] * x + theta[4] * y + theta[5]]);
      const got = tpsGrid(tf.tensor3d([moved]), [1, 6, 5, 1], {controlPoints, alignCorners}).dataSync();
      const expected = affineGrid(tf.tensor3d([[theta.slice(0, 3), theta.slice(3)]]), [1, 6, 5, 1],
          {alignCorners}).dataSync();
      expectClose(got, expected, {rtol: 0, atol: 1e-5}, 'grid');
    });

    test('tpsGrid: the gradient matches central finite differences', () => {
      const [n, ho, wo] = [2, 4, 3];
      const rest = tpsControlPoints(2, 3).flat();
      const random = rng(9);
      const params = Float32Array.from({length: n * 12}, (_, i) => rest[i % 12] + 0.3 * (random() - 0.5));
      const controlPoints = tpsControlPoints(2, 3);
      checkGradient((p) => tpsGrid(p, [n, ho, wo, 1], {controlPoints, alignCorners}), params, [n, 6, 2],
          n * ho * wo * 2, 0.125, 1e-4, 10);
    });
  });

  test('tpsGrid interpolates: output pixels at the control points read the points', () => {
    // alignCorners with a 4×4 output puts the base grid exactly on the default control points.
    const points = randomArray(rng(12), 16 * 2, -1.5, 1.5);
    const got = tpsGrid(tf.tensor3d(points, [1, 16, 2]), [1, 4, 4, 1], {alignCorners: true}).dataSync();
    expectClose(got, points, {rtol: 0, atol: 1e-5}, 'grid');
  });

  test('the projective divide is guarded: finite values and gradients where w = 0', () => {
    // w = 4x + 1 vanishes at x = -0.25, the second of the 4 base columns (alignCorners false).
    const h = tf.tensor2d([[1, 0, 0, 0, 1, 0, 4, 0]]);
    const grid = projectiveGrid(h, [1, 2, 4, 1]);
    const values = Array.from(grid.dataSync());
    for (const v of values) expect(Number.isFinite(v)).toBe(true);
    for (const row of [0, 1]) {
      expect(values.slice((row * 4 + 1) * 2, (row * 4 + 1) * 2 + 2)).toEqual([PROJECTIVE_FAR, PROJECTIVE_FAR]);
    }
    // |w| = 5e-7 < epsilon (1e-6) everywhere: every point is sent far away.
    const near = projectiveGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0], [0, 0, 5e-7]]]), [1, 2, 4, 1]);
    expect(Array.from(near.dataSync())).toEqual(Array(16).fill(PROJECTIVE_FAR));
    const image = tf.randomUniform([1, 5, 5, 2]);
    for (const paddingMode of ['zeros', 'border', 'reflection'] as const) {
      const dh = tf.grad((p: tf.Tensor) =>
        tf.sum(gridSample(image, projectiveGrid(p, [1, 2, 4, 2]), {paddingMode})))(h).dataSync();
      for (const v of dh) expect(Number.isFinite(v), `${paddingMode}: dh ${Array.from(dh)}`).toBe(true);
      const dGrid = tf.grad((p: tf.Tensor) => tf.sum(projectiveGrid(p, [1, 2, 4, 2])))(h).dataSync();
      for (const v of dGrid) expect(Number.isFinite(v)).toBe(true);
    }
    // Every point at infinity (last row 0: w = 0 exactly), with the smallest
    // guard float32 has: still sent far, the gradient still finite.
    const tiny = 2 ** -126;
    const atInfinity = tf.tensor3d([[[1, 0, 0.5], [0, 1, 0], [0, 0, 0]]]);
    expect(Array.from(projectiveGrid(atInfinity, [1, 2, 4, 1], {epsilon: tiny}).dataSync()))
        .toEqual(Array(16).fill(PROJECTIVE_FAR));
    const dTiny = tf.grad((p: tf.Tensor) => tf.sum(gridSample(image,
        projectiveGrid(p, [1, 2, 4, 2], {epsilon: tiny}))))(atInfinity).dataSync();
    for (const v of dTiny) expect(Number.isFinite(v), `dh ${Array.from(dTiny)}`).toBe(true);
    const big = projectiveGrid(h, [1, 2, 4, 1], {epsilon: 0.5}).dataSync();
    // With epsilon 0.5, w = 4x + 1 in {-2, 0, 2, 4} guards only column 1.
    expect(Array.from(big.slice(0, 2))).toEqual([0.375, 0.25]);  // (-0.75, -0.5) / -2
    expect(Array.from(big.slice(2, 4))).toEqual([PROJECTIVE_FAR, PROJECTIVE_FAR]);
  });

  test.each([[0, 3, 4, 1], [2, 0, 4, 1], [2, 3, 0, 1]])(
      'size [%i, %i, %i, %i] gives empty grids and gradients', (...size) => {
        const n = size[0];
        const cases: [(p: tf.Tensor) => tf.Tensor, number[]][] = [
          [(p) => attentionGrid(p, size), [n, 3]],
          [(p) => projectiveGrid(p, size), [n, 8]],
          [(p) => tpsGrid(p, size), [n, 16, 2]],
        ];
        for (const [op, shape] of cases) {
          expect(op(tf.ones(shape)).shape).toEqual([size[0], size[1], size[2], 2]);
          const grad = tf.grad((p: tf.Tensor) => tf.sum(op(p)))(tf.ones(shape));
          expect(grad.shape).toEqual(shape);
          expect(Array.from(grad.dataSync()).every((v) => v === 0)).toBe(true);
        }
      });

  test('the generators leave no tensor behind, forward and backward', () => {
    const run = () => tf.tidy(() => {
      tf.grad((p: tf.Tensor) => tf.sum(attentionGrid(p, [2, 3, 3, 1])))(tf.ones([2, 3]));
      tf.grad((p: tf.Tensor) => tf.sum(projectiveGrid(p, [2, 3, 3, 1])))(tf.ones([2, 8]));
      tf.grad((p: tf.Tensor) => tf.sum(tpsGrid(p, [2, 3, 3, 1])))(tf.ones([2, 16, 2]));
    });
    run();
    const before = tf.memory().numTensors;
    run();
    expect(tf.memory().numTensors).toBe(before);
  });
});

describe.each(BACKEND_NAMES)('grid generator argument errors on %s', (backend) => {
  beforeAll(() => useBackend(backend));
  afterEach(() => vi.restoreAllMocks());

  const size = [2, 4, 4, 1];
  const cases: [string, () => unknown, RegExp][] = [
    ['attention params [N,6]', () => attentionGrid(tf.zeros([2, 6]), size),
      /attentionGrid: params must be of shape \[N,3\] \(s, tx, ty\), but got a float32 tensor of shape \[2,6\]/],
    ['attention params of rank 3', () => attentionGrid(tf.zeros([2, 1, 3]), size),
      /attentionGrid: params must be a float32 tensor \[N,3\], but got a float32 tensor of shape \[2,1,3\]/],
    ['attention int32 params', () => attentionGrid(tf.zeros([2, 3], 'int32'), size),
      /attentionGrid: params must be a float32 tensor \[N,3\].*int32/],
    ['attention size of length 3', () => attentionGrid(tf.zeros([2, 3]), [2, 4, 4]),
      /attentionGrid: size must be an array of 4 non-negative integers/],
    ['attention batch mismatch', () => attentionGrid(tf.zeros([3, 3]), size),
      /attentionGrid: params and size must have the same batch size N, but params has 3/],
    ['attention unknown option', () => attentionGrid(tf.zeros([2, 3]), size, {epsilon: 1} as never),
      /attentionGrid: unknown option 'epsilon'/],
    ['projective h [N,6]', () => projectiveGrid(tf.zeros([2, 6]), size),
      /projectiveGrid: h must be of shape \[N,8\] or \[N,3,3\], but got a float32 tensor of shape \[2,6\]/],
    ['projective h [N,2,3]', () => projectiveGrid(tf.zeros([2, 2, 3]), size),
      /projectiveGrid: h must be of shape \[N,8\] or \[N,3,3\]/],
    ['projective h of rank 4', () => projectiveGrid(tf.zeros([2, 3, 3, 1]), size),
      /projectiveGrid: h must be a float32 tensor \[N,8\] or \[N,3,3\]/],
    ['projective negative epsilon', () => projectiveGrid(tf.zeros([2, 8]), size, {epsilon: -1}),
      /projectiveGrid: options.epsilon must be a finite number >= 1.1754943508222875e-38 \(the smallest normal float32\), but got number -1/],
    ['projective epsilon 0 (the point at infinity would divide)',
      () => projectiveGrid(tf.zeros([2, 8]), size, {epsilon: 0}),
      /projectiveGrid: options.epsilon must be a finite number >= .*but got number 0/],
    ['projective epsilon denormal in float32 (0 where denormals flush)',
      () => projectiveGrid(tf.zeros([2, 8]), size, {epsilon: 1e-40}),
      /projectiveGrid: options.epsilon must be a finite number >= .*but got number 1e-40/],
    ['projective alignCorners a string', () => projectiveGrid(tf.zeros([2, 8]), size, {alignCorners: 'yes' as never}),
      /projectiveGrid: options.alignCorners must be a boolean/],
    ['projective batch mismatch', () => projectiveGrid(tf.zeros([1, 3, 3]), size),
      /projectiveGrid: h and size must have the same batch size N/],
    ['tps points for 9 control points', () => tpsGrid(tf.zeros([2, 9, 2]), size),
      /tpsGrid: points must be of shape \[N,16,2\] \(one \(x, y\) per control point\), but got a float32 tensor of shape \[2,9,2\]/],
    ['tps points of rank 2', () => tpsGrid(tf.zeros([2, 32]), size),
      /tpsGrid: points must be a float32 tensor \[N,K,2\]/],
    ['tps collinear control points', () =>
      tpsGrid(tf.zeros([2, 3, 2]), size, {controlPoints: [[0, 0], [0.5, 0.5], [1, 1]]}),
      /tpsGrid: options.controlPoints must hold at least 3 distinct points, not all on one line/],
    ['tps two control points', () => tpsGrid(tf.zeros([2, 2, 2]), size, {controlPoints: [[0, 0], [1, 1]]}),
      /tpsGrid: options.controlPoints must be an array of at least 3 \[x, y\] pairs/],
    ['tps a NaN control point', () =>
      tpsGrid(tf.zeros([2, 3, 2]), size, {controlPoints: [[0, 0], [1, NaN], [1, 0]]}),
      /tpsGrid: options.controlPoints must be an array of at least 3 \[x, y\] pairs of finite numbers/],
    ['tps negative size', () => tpsGrid(tf.zeros([2, 16, 2]), [2, -1, 4, 1]),
      /tpsGrid: size must be an array of 4 non-negative integers/],
    ['tps batch mismatch', () => tpsGrid(tf.zeros([1, 16, 2]), size),
      /tpsGrid: points and size must have the same batch size N/],
    ['tpsControlPoints with 1 row', () => tpsControlPoints(1, 4),
      /tpsControlPoints: rows must be an integer >= 2, but got number 1/],
  ];
  test.each(cases)('rejects %s before any kernel runs', (_, call, message) => {
    const forward = vi.spyOn(native, 'affineGridForward');
    expect(call).toThrow(message);
    expect(forward).not.toHaveBeenCalled();
  });
});

test.each(ALIGNS)('the one base grid equals affineGrid of the identity bit for bit (alignCorners %s)',
    (alignCorners) => {
      for (const [ho, wo] of [[1, 1], [1, 5], [4, 4], [7, 3], [28, 28], [60, 33]]) {
        const identity = affineGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]), [1, ho, wo, 1], {alignCorners});
        expectBitwise(baseCoords(ho, wo, alignCorners), identity.dataSync() as Float32Array, `${ho}×${wo}`);
      }
    });
