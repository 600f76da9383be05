// The worker thread of WorkerBatches (batches.ts): reads MNIST's training
// split once, then makes each batch it is sent with distortBatch (its own
// tfjs-node and the library's kernels) and sends back the pixels, the
// buffer transferred, not copied.
import * as tf from '@tensorflow/tfjs-node';
import {parentPort, workerData} from 'worker_threads';

import {BatchReply, BatchRequest} from './batches';
import {distortBatch} from './datasets';
import {readMnist} from './idx';
import {DatasetName} from './names';

const {dataset, seed} = workerData as {dataset: DatasetName, seed: number};
const source = readMnist('train');

parentPort!.on('message', ({id, key}: BatchRequest) => {
  let reply: BatchReply;
  try {
    const {images, labels} = distortBatch(dataset, source, key.indices, {seed, split: 'train', epoch: key.epoch});
    reply = {id, pixels: images.dataSync() as Float32Array};
    tf.dispose([images, labels]);
  } catch (err) {
    reply = {id, error: (err as Error).message};
  }
  parentPort!.postMessage(reply, 'pixels' in reply ? [reply.pixels.buffer as ArrayBuffer] : []);
});
