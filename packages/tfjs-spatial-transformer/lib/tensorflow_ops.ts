// Which path our kernels take on tfjs-node's 'tensorflow' backend. Where the
// process's libtensorflow accepts our ops (native/tf_ops.cc), the kernels run
// as TensorFlow ops on TF-held memory: nothing is copied. Otherwise they take
// the JS path of backend_io.ts, which copies each TF-held input into JS and
// hands TF a JS-held output.
import {native} from './native';

/** Which path the 'tensorflow' backend's kernels take, and why. */
export interface TensorflowOpsStatus {
  /** true: our kernels run as TensorFlow ops, on TF-held memory (no copies). */
  active: boolean;
  /** Why, in a sentence: the TensorFlow version and who registered the ops, or what failed. */
  reason: string;
}

interface Attached extends TensorflowOpsStatus {
  /** tfjs kernel name → TensorFlow op name. */
  ops: Record<string, string>;
}

/** The environment variable that turns the TF-op path off ('0'). */
export const TF_OPS_ENV = 'STN_TF_OPS';

// Settled once a libtensorflow was found (or the path was turned off); while
// none is loaded yet, each call asks again.
let settled: Attached|null = null;
let forcedOff = false;

function attach(): Attached {
  if (settled !== null) return settled;
  if (process.env[TF_OPS_ENV] === '0') {
    settled = {active: false, reason: `turned off by ${TF_OPS_ENV}=0`, ops: {}};
    return settled;
  }
  const {state, reason, ops} = native.attachTensorflowOps();
  const result = {active: state === 'active', reason, ops};
  if (state !== 'not-loaded') settled = result;
  return result;
}

/**
 * Which path our kernels take on tfjs-node's 'tensorflow' backend. Active:
 * each kernel is a TensorFlow op (registered once per process in the
 * libtensorflow that tfjs-node loaded), so its inputs are read and its
 * outputs written in TensorFlow's memory. Inactive: each kernel copies its
 * inputs into JS (`readSync`) and TensorFlow copies its JS-held output back
 * when the next TF op reads it. The first call attaches (a kernel call on
 * 'tensorflow' does too); set `STN_TF_OPS=0` in the environment to keep
 * the copying path.
 * @returns `{active, reason}`, e.g. `{active: true, reason: '21 ops registered in TensorFlow 2.9.1'}`;
 *     without tfjs-node loaded: `{active: false, reason: 'no libtensorflow is loaded …'}`.
 * @example
 * const tf = require('@tensorflow/tfjs-node');
 * const {tensorflowOps} = require('tfjs-spatial-transformer');
 * console.log(tensorflowOps());  // {active: true, reason: '21 ops registered in TensorFlow 2.9.1'}
 */
export function tensorflowOps(): TensorflowOpsStatus {
  const {active, reason} = attach();
  if (active && forcedOff) return {active: false, reason: 'forced off by the caller (useTensorflowOps(false))'};
  return {active, reason};
}

/** The TensorFlow op that runs `kernelName`, or null when the JS path is to be taken. */
export function tensorflowOpName(kernelName: string): string|null {
  if (forcedOff) return null;
  const {active, ops} = attach();
  if (!active) return null;
  const op = ops[kernelName];
  if (op === undefined) throw new Error(`tfjs-spatial-transformer: the native addon has no TensorFlow op for ${kernelName}`);
  return op;
}

/**
 * Internal, for the benchmark and the tests: `false` sends the 'tensorflow'
 * backend's kernels down the JS (copying) path in this process, `true` back.
 */
export function useTensorflowOps(enabled: boolean): void {
  forcedOff = !enabled;
}
