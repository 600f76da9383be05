// Transforms whose answer is known without any reference: identity, whole-pixel
// shifts, quarter turns.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {affineGrid, gridSample} from '../lib';
import {ALIGNS, BACKEND_NAMES, expectBitwise, expectClose, randomArray, rng, useBackend} from './helpers';

const [N, H, W, C] = [2, 6, 6, 3];

function image() {
  return tf.tensor4d(randomArray(rng(3), N * H * W * C), [N, H, W, C]);
}

function warp(input: tf.Tensor4D, theta: number[][], alignCorners: boolean,
    paddingMode: 'zeros'|'border' = 'zeros') {
  const thetas = tf.tensor3d(Array.from({length: N}, () => theta));
  return gridSample(input, affineGrid(thetas, input.shape, {alignCorners}),
      {alignCorners, paddingMode});
}

describe.each(BACKEND_NAMES)('known answers on %s', (backend) => {
  beforeAll(() => useBackend(backend));

  test.each(ALIGNS)('identity theta reproduces the input (alignCorners %s)', (align) => {
    const input = image();
    const thetas = tf.tensor3d(Array.from({length: N}, () => [[1, 0, 0], [0, 1, 0]]));
    const grid = affineGrid(thetas, input.shape, {alignCorners: align});
    // nearest: exactly. bilinear: to float32 rounding, as in PyTorch, because the
    // float32 base grid lands within an ulp of the pixel centres, not on them.
    expectBitwise(gridSample(input, grid, {mode: 'nearest', alignCorners: align}).dataSync() as Float32Array,
        input.dataSync() as Float32Array, 'nearest');
    expectClose(gridSample(input, grid, {alignCorners: align}).dataSync(), input.dataSync(),
        {rtol: 1e-6, atol: 1e-7}, 'bilinear');
  });

  test.each([[1, 0], [0, 2], [-2, 1], [3, -3]])(
      'a shift of (%i, %i) pixels moves every pixel, zeros come in', (dx, dy) => {
        const input = image();
        // alignCorners false: one pixel is 2/W in normalised units.
        const out = warp(input, [[1, 0, (2 * dx) / W], [0, 1, (2 * dy) / H]], false);
        const src = input.arraySync();
        const expected = src.map((img) => img.map((row, i) => row.map((_, j) => {
          const [si, sj] = [i + dy, j + dx];
          return si >= 0 && si < H && sj >= 0 && sj < W ? img[si][sj] : new Array(C).fill(0);
        })));
        // To the float32 rounding of the grid (about 1e-7 px; neighbouring values differ by < 2).
        expectClose(out.dataSync(), expected.flat(3), {rtol: 0, atol: 1e-6}, `shift (${dx}, ${dy})`);
      });

  test.each(ALIGNS)('a 90° rotation of a square image permutes its pixels (alignCorners %s)',
      (align) => {
        const input = image();
        // Source (x, y) = (-y_out, x_out): out[i][j] = in[j][W - 1 - i].
        const out = warp(input, [[0, -1, 0], [1, 0, 0]], align).arraySync();
        const src = input.arraySync();
        for (let n = 0; n < N; n++) {
          for (let i = 0; i < H; i++) {
            for (let j = 0; j < W; j++) {
              const want = src[n][j][W - 1 - i];
              out[n][i][j].forEach((v, c) => expect(v, `[${n},${i},${j},${c}]`).toBeCloseTo(want[c], 6));
            }
          }
        }
        // Four quarter turns give the input back.
        const turned = [0, 1, 2, 3].reduce((x) => warp(x, [[0, -1, 0], [1, 0, 0]], align), input);
        const back = turned.dataSync();
        input.dataSync().forEach((v, i) => expect(back[i]).toBeCloseTo(v, 5));
      });

  test('border padding repeats the edge pixels', () => {
    const input = image();
    // Shift the content 10 pixels right: every output column reads the first input column.
    const out = warp(input, [[1, 0, -20 / W], [0, 1, 0]], false, 'border').arraySync();
    const src = input.arraySync();
    for (let n = 0; n < N; n++) {
      for (let i = 0; i < H; i++) {
        for (let j = 0; j < W; j++) {
          out[n][i][j].forEach((v, c) => expect(v).toBeCloseTo(src[n][i][0][c], 6));
        }
      }
    }
  });
});
