// Where training batches come from: made on the spot, or made by a worker
// thread while the main thread trains on the previous one (data generation
// overlapped with the step). Either way a batch is a pure function of
// (dataset, seed, epoch, indices), so the images are the same bits and a
// resumed run stays exact.
import * as tf from '@tensorflow/tfjs-node';
import * as path from 'path';
import {Worker} from 'worker_threads';

import {distortBatch} from './datasets';
import {MnistSplit} from './idx';
import {DATASETS, DatasetName} from './names';

/** Which batch: the epoch (its distortions) and the training images in it. */
export interface BatchKey {
  epoch: number;
  indices: number[];
}

export interface Batch {
  images: tf.Tensor4D;
  labels: tf.Tensor1D;
}

/** What the worker is sent to make a batch, and what it sends back. */
export interface BatchRequest {
  id: number;
  key: BatchKey;
}
export type BatchReply = {id: number, pixels: Float32Array}|{id: number, error: string};

export interface BatchSource {
  /** Starts making the batch `key`; the batches are made in the order asked for. */
  make(key: BatchKey): Promise<Batch>;
  close(): Promise<void>;
}

/** Makes each batch when asked, on the calling thread. */
export class InlineBatches implements BatchSource {
  constructor(private readonly dataset: DatasetName, private readonly seed: number,
      private readonly source: MnistSplit) {}

  make(key: BatchKey): Promise<Batch> {
    return Promise.resolve(distortBatch(this.dataset, this.source, key.indices,
        {seed: this.seed, split: 'train', epoch: key.epoch}));
  }

  async close(): Promise<void> {}
}

/** Makes batches on a worker thread (its own tfjs-node and the library's kernels), so they overlap the step. */
export class WorkerBatches implements BatchSource {
  private readonly worker: Worker;
  private readonly pending = new Map<number, {resolve: (b: Batch) => void, reject: (e: Error) => void,
    indices: number[]}>();
  private nextId = 0;
  private failure: Error|null = null;

  constructor(private readonly dataset: DatasetName, seed: number, private readonly source: MnistSplit) {
    this.worker = new Worker(path.join(__dirname, 'batch_worker.js'), {workerData: {dataset, seed}});
    this.worker.on('message', (reply: BatchReply) => this.settle(reply));
    this.worker.on('error', (err) => this.fail(err));
    this.worker.on('exit', (code) => {
      if (code !== 0) this.fail(new Error(`the batch worker thread exited with code ${code}`));
    });
  }

  make(key: BatchKey): Promise<Batch> {
    if (this.failure !== null) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, {resolve, reject, indices: key.indices});
      this.worker.postMessage({id, key} satisfies BatchRequest);
    });
  }

  private settle(reply: BatchReply): void {
    const waiting = this.pending.get(reply.id);
    if (waiting === undefined) return;
    this.pending.delete(reply.id);
    if ('error' in reply) {
      waiting.reject(new Error(`making a batch failed: ${reply.error}`));
      return;
    }
    const n = waiting.indices.length, s = DATASETS[this.dataset].size;
    waiting.resolve({images: tf.tensor4d(reply.pixels, [n, s, s, 1]),
      labels: tf.tensor1d(waiting.indices.map((i) => this.source.labels[i]), 'int32')});
  }

  private fail(err: Error): void {
    this.failure ??= err;
    for (const {reject} of this.pending.values()) reject(err);
    this.pending.clear();
  }

  async close(): Promise<void> {
    this.fail(new Error('the batch source is closed'));
    await this.worker.terminate();
  }
}
