// Argument checks for the public ops: each error names the op, the argument,
// what was expected and what was received, and is thrown before native code runs.
import * as tf from '@tensorflow/tfjs-core';

function describe(value: unknown): string {
  if (typeof value === 'string') return `'${value}'`;
  if (Array.isArray(value)) return `[${value.map(describe).join(', ')}]`;
  if (value instanceof tf.Tensor) {
    return value.isDisposed ? 'a disposed tensor' : `a ${value.dtype} tensor of shape [${value.shape}]`;
  }
  if (value === null) return 'null';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${String(value)}`;
}

/** Throws `op: name must be expected, but got value`. */
export function fail(op: string, name: string, expected: string, value: unknown): never {
  throw new Error(`${op}: ${name} must be ${expected}, but got ${describe(value)}`);
}

/**
 * A float32 tensor of the given rank (or one of the given ranks); TensorLikes
 * (nested arrays, TypedArrays) are converted.
 */
export function toFloat32Tensor(value: unknown, op: string, name: string,
    rank: number|readonly number[], shapeText: string): tf.Tensor {
  const ranks = typeof rank === 'number' ? [rank] : rank;
  const expected = typeof rank === 'number' ? `a ${rank}-D float32 tensor ${shapeText}` :
                                              `a float32 tensor ${shapeText}`;
  let tensor: tf.Tensor;
  if (value instanceof tf.Tensor) {
    if (value.isDisposed) fail(op, name, expected, value);
    tensor = value;
  } else if (Array.isArray(value) || ArrayBuffer.isView(value)) {
    try {
      tensor = tf.tensor(value as tf.TensorLike, undefined, 'float32');
    } catch (err) {
      return fail(op, name, expected, `a value tfjs cannot convert (${(err as Error).message})`);
    }
  } else {
    return fail(op, name, expected, value);
  }
  if (tensor.dtype !== 'float32' || !ranks.includes(tensor.rank)) fail(op, name, expected, tensor);
  return tensor;
}

/** Throws unless `size` is [N, Ho, Wo, C] of non-negative integers. */
export function checkGridSize(op: string, size: unknown): asserts size is number[] {
  if (!Array.isArray(size) || size.length !== 4 || !size.every(isSize)) {
    fail(op, 'size', 'an array of 4 non-negative integers [N, Ho, Wo, C]', size);
  }
}

/** Throws unless the parameters' batch size equals size[0]. */
export function checkBatch(op: string, name: string, params: tf.Tensor, size: readonly number[]): void {
  if (params.shape[0] !== size[0]) {
    throw new Error(`${op}: ${name} and size must have the same batch size N, but ${name} has ` +
        `${params.shape[0]} (shape [${params.shape}]) and size is [${size}]`);
  }
}

/**
 * Throws unless `transform` (a grid or theta) has the input's batch size N,
 * or 1: one transform for the whole batch.
 */
export function checkSharedBatch(op: string, name: string, transform: tf.Tensor, input: tf.Tensor): void {
  const n = input.shape[0], t = transform.shape[0];
  if (t !== n && t !== 1) {
    throw new Error(`${op}: ${name} must have the input's batch size N or 1, but input has ` +
        `${n} (shape [${input.shape}]) and ${name} has ${t} (shape [${transform.shape}])`);
  }
}

export function checkOptions(op: string, options: unknown, known: readonly string[]): Record<string, unknown> {
  if (options === undefined) return {};
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    fail(op, 'options', 'an object', options);
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) {
      throw new Error(`${op}: unknown option '${key}' (known options: ${known.join(', ')})`);
    }
  }
  return options as Record<string, unknown>;
}

export function oneOf<T extends string>(op: string, name: string, value: unknown,
    allowed: readonly T[], fallback: T): T {
  if (value === undefined) return fallback;
  if (!allowed.includes(value as T)) {
    fail(op, name, `one of ${allowed.map((a) => `'${a}'`).join(', ')}`, value);
  }
  return value as T;
}

export function booleanOption(op: string, name: string, value: unknown, fallback: boolean): boolean {
  if (value === undefined) return fallback;
  if (typeof value !== 'boolean') fail(op, name, 'a boolean', value);
  return value;
}

export function isSize(value: unknown): value is number {
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 0;
}
