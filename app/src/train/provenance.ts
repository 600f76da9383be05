// What a run's result.json records so that it can be reproduced and its
// timings judged: the code (commit, and whether the tree had local changes),
// the software (Node, tfjs, libtensorflow, whether our kernels ran as TF
// ops), the machine (CPU, the ISA and threads the native kernels used,
// cores) and how busy the machine was.
import * as tf from '@tensorflow/tfjs-node';
import * as os from 'os';

import {getIsa, getNumThreads, tensorflowOps} from 'tfjs-spatial-transformer';
import type {TensorflowOpsStatus} from 'tfjs-spatial-transformer';
import {codeDirty, headCommit} from './code_state';

export interface Provenance {
  /** `git rev-parse HEAD` of the checkout the app runs from, or null outside a git checkout. */
  commit: string|null;
  /** Whether tracked code files (all but docs/ and Markdown) differed from that commit (null outside a git checkout). */
  dirty: boolean|null;
  node: string;
  tfjs: string;
  tfjsNode: string;
  /** libtensorflow under tfjs-node's 'tensorflow' backend. */
  tensorflow: string;
  backend: string;
  cpu: string;
  /** The instruction set of the library's native kernels (getIsa()). */
  isa: string;
  /** Whether the library's kernels ran as TensorFlow ops (no copies) on 'tensorflow', and why (tensorflowOps()). */
  tensorflowOps: TensorflowOpsStatus;
  /** The native kernels' OpenMP threads (getNumThreads()). */
  nativeThreads: number;
  cores: number;
  /** TF_ENABLE_ONEDNN_OPTS as libtensorflow saw it ('unset' when absent). */
  onednn: string;
}

/** The record of the code, software and machine this process runs on. */
export function provenance(): Provenance {
  const commit = headCommit(__dirname);
  const binding = (tf.backend() as unknown as {binding?: {TF_Version?: string}}).binding;
  return {
    commit, dirty: commit === null ? null : codeDirty(__dirname),
    node: process.version, tfjs: tf.version.tfjs, tfjsNode: tf.version['tfjs-node'],
    tensorflow: binding?.TF_Version ?? 'unknown', backend: tf.getBackend(),
    cpu: os.cpus()[0]?.model.trim() ?? 'unknown', isa: getIsa(), tensorflowOps: tensorflowOps(), nativeThreads: getNumThreads(),
    cores: os.availableParallelism(), onednn: process.env.TF_ENABLE_ONEDNN_OPTS ?? 'unset',
  };
}

/** The 1-minute load average (other processes' work shows here; 0 on Windows). */
export function load1(): number {
  return Number(os.loadavg()[0].toFixed(2));
}
