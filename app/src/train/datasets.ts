// Distorted MNIST, as in the paper (Jaderberg et al. 2015, §4.1): every image is
// made by our own sampler (affineGrid, projectiveGrid or an elastic grid, then
// gridSample) from an original MNIST digit, with parameters drawn from a
// seeded generator. A sample's distortion is a pure function of (seed, split,
// epoch, index), so any batch can be regenerated exactly, in any order.
import * as tf from '@tensorflow/tfjs-node';

import {affineGrid, gridSample, projectiveGrid} from 'tfjs-spatial-transformer';
import {MnistSplit} from './idx';
import {DATASETS, DatasetName} from './names';
import {Random, Stream, hashSeed} from './random';

/** Which random draws a batch uses: the split's stream and the epoch (0 for the fixed test set). */
export interface DrawKey {
  seed: number;
  split: 'train'|'test';
  epoch: number;
}

function sampleRandom(key: DrawKey, index: number): Random {
  const stream = key.split === 'train' ? Stream.trainDistort : Stream.testDistort;
  return new Random(hashSeed(key.seed, stream, key.epoch, index));
}

/** The original digits `indices` as a [B, 28, 28, 1] float32 tensor in [0, 1]. */
export function originals(source: MnistSplit, indices: ArrayLike<number>): tf.Tensor4D {
  const pixels = source.height * source.width;
  const out = new Float32Array(indices.length * pixels);
  for (let b = 0; b < indices.length; b++) {
    const offset = indices[b] * pixels;
    for (let p = 0; p < pixels; p++) out[b * pixels + p] = source.images[offset + p] / 255;
  }
  return tf.tensor4d(out, [indices.length, source.height, source.width, 1]);
}

/** theta (output → source, normalised) of a rotation by `angle` and zoom `zoom` about the centre, plus a shift. */
function rotationTheta(angle: number, zoom: number, tx = 0, ty = 0): number[] {
  // Source = zoom · R(-angle) · (output - t): output x, y in the output's normalised frame.
  const c = Math.cos(angle) * zoom, s = Math.sin(angle) * zoom;
  return [c, s, -(c * tx + s * ty), -s, c, -(-s * tx + c * ty)];
}

/** The 3×3 homography (row-major, h[8] = 1) mapping the 4 points `from` onto `to`. */
export function homography(from: number[][], to: number[][]): number[] {
  // Solve the 8×8 system A h = b by Gaussian elimination with partial pivoting.
  const a: number[][] = [];
  for (let k = 0; k < 4; k++) {
    const [x, y] = from[k], [u, v] = to[k];
    a.push([x, y, 1, 0, 0, 0, -u * x, -u * y, u]);
    a.push([0, 0, 0, x, y, 1, -v * x, -v * y, v]);
  }
  for (let col = 0; col < 8; col++) {
    let pivot = col;
    for (let r = col + 1; r < 8; r++) if (Math.abs(a[r][col]) > Math.abs(a[pivot][col])) pivot = r;
    [a[col], a[pivot]] = [a[pivot], a[col]];
    for (let r = 0; r < 8; r++) {
      if (r === col) continue;
      const f = a[r][col] / a[col][col];
      for (let c = col; c < 9; c++) a[r][c] -= f * a[col][c];
    }
  }
  return [...a.map((row, i) => row[8] / row[i]), 1];
}

function gaussianKernel(sigma: number): Float32Array {
  const radius = Math.ceil(3 * sigma);
  const k = new Float32Array(2 * radius + 1);
  let sum = 0;
  for (let i = -radius; i <= radius; i++) sum += (k[i + radius] = Math.exp(-(i * i) / (2 * sigma * sigma)));
  return k.map((v) => v / sum);
}

/**
 * Makes the images `indices` of `source` distorted as dataset `name` says.
 *
 * @returns images [B, S, S, 1] float32 in [0, 1] (S = DATASETS[name].size) and labels [B] int32.
 * @example
 * const {images, labels} = distortBatch('rts', readMnist('test'), [0, 1, 2], {seed: 1, split: 'test', epoch: 0});
 */
export function distortBatch(name: DatasetName, source: MnistSplit, indices: ArrayLike<number>,
    key: DrawKey): {images: tf.Tensor4D, labels: tf.Tensor1D} {
  const n = indices.length;
  const size = DATASETS[name].size;
  const labels = tf.tensor1d(Array.from(indices, (i) => source.labels[i]), 'int32');
  const images = tf.tidy(() => {
    const digits = originals(source, indices);
    if (name === 'mnist') return digits;
    const randoms = Array.from(indices, (index) => sampleRandom(key, index));
    const sample = (grid: tf.Tensor4D) => gridSample(digits, grid, {paddingMode: 'zeros'});
    if (name === 'r' || name === 'rts') {
      const theta = randoms.map((random) => {
        if (name === 'r') return rotationTheta(random.uniform(-Math.PI / 2, Math.PI / 2), 1);
        const angle = random.uniform(-Math.PI / 4, Math.PI / 4);
        const scale = random.uniform(0.7, 1.2);
        // The digit's half-side is 14·scale px in a canvas of half-side 21 px.
        const room = Math.max(0, 21 - 14 * scale) / 21;
        const tx = random.uniform(-room, room), ty = random.uniform(-room, room);
        return rotationTheta(angle, (21 / 14) / scale, tx, ty);
      });
      return sample(affineGrid(tf.tensor3d(theta.flat(), [n, 2, 3]), [n, size, size, 1]));
    }
    if (name === 'p') {
      const corners = [[-1, -1], [1, -1], [1, 1], [-1, 1]];
      const hs = randoms.map((random) => {
        const scale = random.uniform(0.75, 1.0);
        const sigma = 3 / 14;  // 3 px in normalised units
        const clipped = () => Math.max(-2, Math.min(2, random.normal())) * sigma;
        const moved = corners.map(([x, y]) => [scale * x + clipped(), scale * y + clipped()]);
        return homography(moved, corners);  // output corners → source corners
      });
      return sample(projectiveGrid(tf.tensor3d(hs.flat(), [n, 3, 3]), [n, size, size, 1]));
    }
    if (name === 'e') {
      const sigma = 4, alpha = 34;
      const noise = new Float32Array(n * size * size * 2);
      let o = 0;
      for (const random of randoms) for (let i = 0; i < size * size * 2; i++) noise[o++] = random.uniform(-1, 1);
      const k = gaussianKernel(sigma);
      const field = tf.depthwiseConv2d(tf.depthwiseConv2d(tf.tensor4d(noise, [n, size, size, 2]),
          tf.tensor4d(k, [k.length, 1, 1, 1]).tile([1, 1, 2, 1]) as tf.Tensor4D, 1, 'same'),
          tf.tensor4d(k, [1, k.length, 1, 1]).tile([1, 1, 2, 1]) as tf.Tensor4D, 1, 'same');
      const identity = affineGrid(tf.tensor3d([1, 0, 0, 0, 1, 0], [1, 2, 3]).tile([n, 1, 1]) as tf.Tensor3D,
          [n, size, size, 1]);
      return sample(tf.add(identity, tf.mul(field, alpha * 2 / size)) as tf.Tensor4D);
    }
    // cluttered: the digit at a random integer position, then fragments of other digits.
    const shifts = randoms.map((random) => [random.int(size - 28 + 1), random.int(size - 28 + 1)]);
    const theta = shifts.map(([x0, y0]) => {
      // Output pixel u reads source pixel u - x0: normalised, s = (size/28)·x + (size - 28 - 2·x0)/28.
      const z = size / 28;
      return [z, 0, (size - 28 - 2 * x0) / 28, 0, z, (size - 28 - 2 * y0) / 28];
    });
    const placed = sample(affineGrid(tf.tensor3d(theta.flat(), [n, 2, 3]), [n, size, size, 1]));
    const canvas = placed.dataSync() as Float32Array;
    const pixels = source.height * source.width;
    randoms.forEach((random, b) => {
      for (let f = 0; f < 6; f++) {
        const other = random.int(source.count);
        // Crops from the central 20×20, where the ink is, so that fragments are rarely blank.
        const sx = 4 + random.int(20 - 6 + 1), sy = 4 + random.int(20 - 6 + 1);
        const dx = random.int(size - 6 + 1), dy = random.int(size - 6 + 1);
        for (let y = 0; y < 6; y++) {
          for (let x = 0; x < 6; x++) {
            const v = source.images[other * pixels + (sy + y) * 28 + sx + x] / 255;
            const at = (b * size + dy + y) * size + dx + x;
            if (v > canvas[at]) canvas[at] = v;
          }
        }
      }
    });
    return tf.tensor4d(canvas, [n, size, size, 1]);
  });
  return {images, labels};
}
