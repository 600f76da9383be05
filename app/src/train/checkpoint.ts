// Checkpoints: the model through model.save('file://…'), plus the training
// state (epoch, batch, running sums, history) and the optimizer's slots. Written
// to a temporary folder and renamed into place, so an interruption at any
// moment leaves the previous checkpoint (or the new one) whole and loadable.
import * as tf from '@tensorflow/tfjs-node';
import * as fs from 'fs';
import * as path from 'path';

import {SavedSlot, TrainOptimizer} from './adam_state';

/** One line of metrics.jsonl. */
export interface EpochMetrics {
  epoch: number;
  trainLoss: number;
  trainError: number;
  testLoss: number;
  testError: number;
  /** Adam's learning rate in this epoch. */
  learningRate: number;
  /** Training time (the batches), and its rate. */
  seconds: number;
  imagesPerSecond: number;
  /** The epoch's training and test evaluation time. */
  wallSeconds: number;
  /** The machine's 1-minute load average at the epoch's end (2 = both cores of this machine busy). */
  load1: number;
}

/** Where training stands: resuming from it continues exactly. */
export interface TrainState {
  /** The epoch under way (0-based) and the next batch in it. */
  epoch: number;
  batch: number;
  /** Running sums of the epoch under way. */
  lossSum: number;
  correct: number;
  seen: number;
  seconds: number;
  wallSeconds: number;
  history: EpochMetrics[];
}

interface StateFile {
  format: 'stn-train-checkpoint';
  version: 1;
  state: TrainState;
  /** The optimizer's slots without their values (those are optimizer.bin, in this order). */
  optimizer: {slots: Omit<SavedSlot, 'values'>[], accBeta1: number, accBeta2: number};
}

const STATE = 'state.json';
const SLOTS = 'optimizer.bin';

/** The checkpoint folder of a run. */
export function checkpointDir(out: string): string {
  return path.join(out, 'checkpoint');
}

/** Saves model, optimizer and state atomically into `out`/checkpoint. */
export async function saveCheckpoint(out: string, model: tf.LayersModel, adam: TrainOptimizer,
    state: TrainState): Promise<void> {
  const final = checkpointDir(out);
  const tmp = `${final}.tmp`, old = `${final}.old`;
  fs.rmSync(tmp, {recursive: true, force: true});
  fs.mkdirSync(tmp, {recursive: true});
  await model.save(`file://${tmp}`);
  const {slots, accBeta1, accBeta2} = await adam.save();
  const file: StateFile = {format: 'stn-train-checkpoint', version: 1, state,
    optimizer: {slots: slots.map(({name, shape, dtype}) => ({name, shape, dtype})), accBeta1, accBeta2}};
  fs.writeFileSync(path.join(tmp, SLOTS), Buffer.concat(slots.map(({values}) =>
    Buffer.from(values.buffer, values.byteOffset, values.byteLength))));
  fs.writeFileSync(path.join(tmp, STATE), JSON.stringify(file, null, 1));
  fs.rmSync(old, {recursive: true, force: true});
  if (fs.existsSync(final)) fs.renameSync(final, old);
  fs.renameSync(tmp, final);
  fs.rmSync(old, {recursive: true, force: true});
}

/** The folder holding the newest whole checkpoint of `out`, or null. */
export function findCheckpoint(out: string): string|null {
  const final = checkpointDir(out);
  for (const dir of [final, `${final}.old`]) {
    if (fs.existsSync(path.join(dir, STATE))) return dir;
  }
  return null;
}

export interface LoadedCheckpoint {
  model: tf.LayersModel;
  state: TrainState;
  /** Restores the optimizer's slots and accumulators into `adam`'s optimizer. */
  restoreOptimizer(adam: TrainOptimizer): Promise<void>;
}

/**
 * Loads a checkpoint folder.
 * @throws Error naming the folder and the problem when a file is missing or corrupt.
 */
export async function loadCheckpoint(dir: string): Promise<LoadedCheckpoint> {
  const problem = (what: string) => new Error(`checkpoint ${dir} is corrupt or incomplete: ${what}`);
  let file: StateFile;
  try {
    file = JSON.parse(fs.readFileSync(path.join(dir, STATE), 'utf8')) as StateFile;
  } catch (err) {
    throw problem(`${STATE}: ${(err as Error).message}`);
  }
  if (file?.format !== 'stn-train-checkpoint' || file.version !== 1 || typeof file.state?.epoch !== 'number') {
    throw problem(`${STATE} is not a version-1 stn-train checkpoint state`);
  }
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel(`file://${path.join(dir, 'model.json')}`);
  } catch (err) {
    throw problem(`model.json / weights: ${(err as Error).message}`);
  }
  let bytes: Buffer;
  try {
    bytes = fs.readFileSync(path.join(dir, SLOTS));
  } catch (err) {
    throw problem(`${SLOTS}: ${(err as Error).message}`);
  }
  const slots = file.optimizer.slots;
  const needed = slots.reduce((sum, s) => sum + 4 * s.shape.reduce((a, b) => a * b, 1), 0);
  if (bytes.length !== needed) {
    throw problem(`${SLOTS} has ${bytes.length} bytes, but ${STATE} describes ${needed}`);
  }
  return {
    model,
    state: file.state,
    async restoreOptimizer(adam: TrainOptimizer) {
      let offset = 0;
      const withValues = slots.map((slot) => {
        const size = slot.shape.reduce((a, b) => a * b, 1);
        const view = bytes.buffer.slice(bytes.byteOffset + offset, bytes.byteOffset + offset + 4 * size);
        offset += 4 * size;
        return {...slot, values: slot.dtype === 'int32' ? new Int32Array(view) : new Float32Array(view)};
      });
      await adam.restore({slots: withValues, accBeta1: file.optimizer.accBeta1,
        accBeta2: file.optimizer.accBeta2});
    },
  };
}
