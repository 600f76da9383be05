// The data worker thread makes the same batches, bit for bit, as the main
// thread, for every dataset, in the order asked; a closed source refuses work.
import * as tf from '@tensorflow/tfjs-node';
import {beforeAll, describe, expect, test} from 'vitest';

import {MnistSplit, readMnist} from '../src/train/idx';
import {DATASET_NAMES} from '../src/train/names';
import {useBackend} from './helpers';

// The compiled module: its worker thread runs dist/train/batch_worker.js (test/global_setup.ts builds it).
// eslint-disable-next-line @typescript-eslint/no-require-imports
const {InlineBatches, WorkerBatches} = require('../dist/train/batches') as typeof import('../src/train/batches');

let source: MnistSplit;
beforeAll(async () => {
  await useBackend('tensorflow');
  source = readMnist('train');
});

describe('WorkerBatches', () => {
  test.each(DATASET_NAMES)('%s: the same images and labels as InlineBatches', async (dataset) => {
    const inline = new InlineBatches(dataset, 3, source);
    const worker = new WorkerBatches(dataset, 3, source);
    const keys = [{epoch: 0, indices: [5, 17, 2, 40000]}, {epoch: 4, indices: [9, 9, 59999]}];
    // Both asked before either arrives: they come back in order, each its own.
    const made = await Promise.all(keys.map((key) => worker.make(key)));
    for (const [i, key] of keys.entries()) {
      const expected = await inline.make(key);
      expect(made[i].images.shape).toEqual(expected.images.shape);
      expect(made[i].images.dataSync()).toEqual(expected.images.dataSync());
      expect(Array.from(made[i].labels.dataSync())).toEqual(Array.from(expected.labels.dataSync()));
      tf.dispose([made[i].images, made[i].labels, expected.images, expected.labels]);
    }
    await worker.close();
    await expect(worker.make(keys[0])).rejects.toThrow('the batch source is closed');
  });

  test('an error in the worker comes back as a rejection naming it', async () => {
    const worker = new WorkerBatches('rts', 3, source);
    await expect(worker.make({epoch: 0, indices: null as unknown as number[]})).rejects.toThrow(
        /making a batch failed: .*null/);
    await worker.close();
  });
});
