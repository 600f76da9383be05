// `stn train --tensorboard [DIR]`: scalars for TensorBoard through tfjs-node's
// summary writer (TensorFlow's own event-file writer). Every --log-every
// steps: the training loss and error over those steps, their images/s and the
// learning rate, against the global step; after each epoch: the epoch's train
// and test loss and error, learning rate and images/s, against the epoch.
// tfjs-node's writer has scalars and histograms but no images, so the
// transformer pictures stay PNGs in the run folder.
import * as tf from '@tensorflow/tfjs-node';

import {EpochMetrics} from './checkpoint';

export class TensorBoardLog {
  private readonly writer: ReturnType<typeof tf.node.summaryFileWriter>;
  private lossSum = 0;
  private wrong = 0;
  private images = 0;
  private steps = 0;
  private since = performance.now();

  /** @param every steps between the step scalars. */
  constructor(readonly dir: string, private readonly every: number) {
    this.writer = tf.node.summaryFileWriter(dir);
  }

  /** Counts one training step; writes the step scalars every `every` steps. */
  step(globalStep: number, loss: number, wrong: number, images: number, learningRate: number): void {
    this.lossSum += loss * images;
    this.wrong += wrong;
    this.images += images;
    if (++this.steps < this.every) return;
    const seconds = (performance.now() - this.since) / 1000;
    this.writer.scalar('step/train_loss', this.lossSum / this.images, globalStep);
    this.writer.scalar('step/train_error', this.wrong / this.images, globalStep);
    this.writer.scalar('step/images_per_second', this.images / seconds, globalStep);
    this.writer.scalar('step/learning_rate', learningRate, globalStep);
    this.restart();
  }

  /** Writes an epoch's scalars (against the 1-based epoch) and flushes the file. */
  epoch(metrics: EpochMetrics): void {
    const e = metrics.epoch;
    this.writer.scalar('epoch/train_loss', metrics.trainLoss, e);
    this.writer.scalar('epoch/train_error', metrics.trainError, e);
    this.writer.scalar('epoch/test_loss', metrics.testLoss, e);
    this.writer.scalar('epoch/test_error', metrics.testError, e);
    this.writer.scalar('epoch/learning_rate', metrics.learningRate, e);
    this.writer.scalar('epoch/images_per_second', metrics.imagesPerSecond, e);
    this.writer.flush();
  }

  /** The step scalars count from here (after an evaluation, or an interruption). */
  restart(): void {
    this.lossSum = this.wrong = this.images = this.steps = 0;
    this.since = performance.now();
  }

  flush(): void {
    this.writer.flush();
  }
}
