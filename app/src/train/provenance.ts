// What a run's result.json records so that it can be reproduced and its
// timings judged: the code (commit, and whether the tree had local changes),
// the software (Node, tfjs, libtensorflow, whether our kernels ran as TF
// ops), the machine (CPU, the ISA and threads the native kernels used,
// cores) and how busy the machine was.
import * as tf from '@tensorflow/tfjs-node';
import * as fs from 'fs';
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
  /** The CPU's model name, with its family and model numbers where Linux tells them (VMs often say only "AMD EPYC"). */
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
    cpu: cpuName(), isa: getIsa(), tensorflowOps: tensorflowOps(), nativeThreads: getNumThreads(),
    cores: os.availableParallelism(), onednn: process.env.TF_ENABLE_ONEDNN_OPTS ?? 'unset',
  };
}

/** The CPU's model name and, on Linux x86, its family and model: "AMD EPYC (family 25, model 17)". */
export function cpuName(): string {
  const name = os.cpus()[0]?.model.trim() || 'unknown';
  let info = '';
  try {
    info = fs.readFileSync('/proc/cpuinfo', 'utf8');
  } catch {
    return name;
  }
  const field = (key: string) => new RegExp(`^${key}\\s*: (\\d+)$`, 'm').exec(info)?.[1];
  const family = field('cpu family'), model = field('model');
  return family !== undefined && model !== undefined ? `${name} (family ${family}, model ${model})` : name;
}

/** The 1-minute load average (other processes' work shows here; 0 on Windows). */
export function load1(): number {
  return Number(os.loadavg()[0].toFixed(2));
}
