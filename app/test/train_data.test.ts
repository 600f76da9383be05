// The training job's data: the IDX reader, and distorted MNIST made
// deterministically from a seed, independently for train and test.
import * as tf from '@tensorflow/tfjs-node';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';

import {distortBatch, homography} from '../src/train/datasets';
import {IDX_IMAGES_MAGIC, IDX_LABELS_MAGIC, MnistSplit, readIdx, readMnist} from '../src/train/idx';
import {DATASETS, DATASET_NAMES} from '../src/train/names';

function idxFile(magic: number, dims: number[], body: number[]): Buffer {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header.writeUInt32BE(magic, 0);
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, Buffer.from(body)]);
}

describe('readIdx', () => {
  let dir: string;
  beforeAll(() => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-idx-'));
  });
  afterAll(() => fs.rmSync(dir, {recursive: true, force: true}));
  const write = (name: string, bytes: Buffer) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, bytes);
    return file;
  };

  test('reads images and labels with their shapes', () => {
    const images = readIdx(write('img', idxFile(IDX_IMAGES_MAGIC, [2, 2, 3], [...Array(12).keys()])),
        IDX_IMAGES_MAGIC);
    expect(images.shape).toEqual([2, 2, 3]);
    expect(Array.from(images.data)).toEqual([...Array(12).keys()]);
    const labels = readIdx(write('lab', idxFile(IDX_LABELS_MAGIC, [3], [7, 0, 9])), IDX_LABELS_MAGIC);
    expect(labels.shape).toEqual([3]);
    expect(Array.from(labels.data)).toEqual([7, 0, 9]);
  });

  test('a wrong magic number is an error naming the file and both numbers', () => {
    const file = write('swapped', idxFile(IDX_LABELS_MAGIC, [3], [1, 2, 3]));
    expect(() => readIdx(file, IDX_IMAGES_MAGIC)).toThrow(`IDX file ${file} has magic number 2049, expected 2051`);
    const gz = write('gz', Buffer.from([0x1f, 0x8b, 8, 0, 0, 0]));
    expect(() => readIdx(gz, IDX_LABELS_MAGIC)).toThrow(/gz has magic number \d+, expected 2049/);
  });

  test('a truncated or over-long file is an error naming the file and the sizes', () => {
    const full = idxFile(IDX_IMAGES_MAGIC, [2, 2, 2], [...Array(8).keys()]);
    const short = write('short', full.subarray(0, full.length - 1));
    expect(() => readIdx(short, IDX_IMAGES_MAGIC)).toThrow(
        `IDX file ${short} is truncated: its header says [2,2,2], which needs 24 bytes, but it has 23`);
    const long = write('long', Buffer.concat([full, Buffer.from([0])]));
    expect(() => readIdx(long, IDX_IMAGES_MAGIC)).toThrow(`IDX file ${long} is too long`);
    const header = write('header', full.subarray(0, 10));
    expect(() => readIdx(header, IDX_IMAGES_MAGIC)).toThrow(`IDX file ${header} is truncated: 10 bytes, shorter than its 16-byte header`);
    const empty = write('empty', Buffer.alloc(0));
    expect(() => readIdx(empty, IDX_IMAGES_MAGIC)).toThrow(`IDX file ${empty} is truncated`);
    expect(() => readIdx(path.join(dir, 'missing'), IDX_IMAGES_MAGIC)).toThrow(/cannot read IDX file .*missing/);
  });

  test('readMnist checks that images and labels agree', () => {
    const folder = fs.mkdtempSync(path.join(dir, 'mnist-'));
    fs.writeFileSync(path.join(folder, 't10k-images-idx3-ubyte'), idxFile(IDX_IMAGES_MAGIC, [2, 1, 1], [0, 255]));
    fs.writeFileSync(path.join(folder, 't10k-labels-idx1-ubyte'), idxFile(IDX_LABELS_MAGIC, [3], [1, 2, 3]));
    expect(() => readMnist('test', folder)).toThrow(/has 2 images but .*t10k-labels-idx1-ubyte has 3 labels/);
    fs.writeFileSync(path.join(folder, 't10k-labels-idx1-ubyte'), idxFile(IDX_LABELS_MAGIC, [2], [1, 12]));
    expect(() => readMnist('test', folder)).toThrow(/label 1 is 12, not 0-9/);
  });

  test('the installed MNIST test split reads as 10000 28×28 digits', () => {
    const mnist = readMnist('test');
    expect([mnist.count, mnist.height, mnist.width]).toEqual([10000, 28, 28]);
    expect(Array.from(mnist.labels.subarray(0, 5))).toEqual([7, 2, 1, 0, 4]);
  });
});

describe('distorted MNIST', () => {
  let source: MnistSplit;
  beforeAll(async () => {
    await tf.setBackend('tensorflow');
    source = readMnist('test');
  });
  const indices = [0, 1, 2, 3, 4, 5, 6, 7];
  const make = (name: typeof DATASET_NAMES[number], seed: number, split: 'train'|'test', epoch: number,
      at = indices) => {
    const {images, labels} = distortBatch(name, source, at, {seed, split, epoch});
    const out = {pixels: images.dataSync() as Float32Array, shape: images.shape, labels: Array.from(labels.dataSync())};
    tf.dispose([images, labels]);
    return out;
  };
  const differs = (a: Float32Array, b: Float32Array) => a.some((v, i) => v !== b[i]);

  test.each(DATASET_NAMES)('%s: shapes, range, and the same images for the same seed', (name) => {
    const a = make(name, 7, 'train', 0);
    const size = DATASETS[name].size;
    expect(a.shape).toEqual([8, size, size, 1]);
    expect(a.labels).toEqual(Array.from(source.labels.subarray(0, 8)));
    expect(a.pixels.every((v) => v >= 0 && v <= 1.0001)).toBe(true);
    expect(a.pixels.some((v) => v > 0.5)).toBe(true);  // the digit is still there
    const b = make(name, 7, 'train', 0);
    expect(differs(a.pixels, b.pixels)).toBe(false);
  });

  test.each(DATASET_NAMES.filter((n) => n !== 'mnist'))(
      '%s: another seed, epoch or split gives other distortions', (name) => {
        const base = make(name, 7, 'train', 0).pixels;
        expect(differs(base, make(name, 8, 'train', 0).pixels)).toBe(true);
        expect(differs(base, make(name, 7, 'train', 1).pixels)).toBe(true);
        expect(differs(base, make(name, 7, 'test', 0).pixels)).toBe(true);
      });

  test.each(DATASET_NAMES)('%s: an image does not depend on the batch it is made in', (name) => {
    const batch = make(name, 5, 'train', 2);
    const size = DATASETS[name].size ** 2;
    const alone = make(name, 5, 'train', 2, [3]);
    expect(differs(alone.pixels, batch.pixels.subarray(3 * size, 4 * size))).toBe(false);
  });

  test('homography maps the four points exactly', () => {
    const from = [[-1, -1], [1, -1], [1, 1], [-1, 1]];
    const to = [[-0.8, -0.9], [0.9, -0.7], [0.7, 0.95], [-0.95, 0.8]];
    const h = homography(from, to);
    from.forEach(([x, y], k) => {
      const w = h[6] * x + h[7] * y + h[8];
      expect((h[0] * x + h[1] * y + h[2]) / w).toBeCloseTo(to[k][0], 10);
      expect((h[3] * x + h[4] * y + h[5]) / w).toBeCloseTo(to[k][1], 10);
    });
  });
});
