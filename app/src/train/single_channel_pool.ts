// 2×2 max pooling of single-channel images (the localisation nets' first
// layer, on the raw 42×42 or 60×60 input), computed with the batch as the
// channels: [N, H, W, 1] → [1, H, W, N] → pool → back. TensorFlow's CPU
// pooling is slow with one channel and fast with many (128×42×42×1: 17.5 ms
// as is, 7.2 ms transposed; 128×60×60×1: 24.8 vs 7.4 ms, oneDNN on, one
// process, busy machine); the values are the same (a max is exact).
import * as tf from '@tensorflow/tfjs-node';

export class SingleChannelMaxPool extends tf.layers.Layer {
  static className = 'StnSingleChannelMaxPool';

  override computeOutputShape(inputShape: tf.Shape|tf.Shape[]): tf.Shape {
    const [n, h, w, c] = inputShape as tf.Shape;
    return [n, Math.floor(h! / 2), Math.floor(w! / 2), c];
  }

  override call(inputs: tf.Tensor|tf.Tensor[]): tf.Tensor {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    if (x.shape[3] !== 1) throw new Error(`SingleChannelMaxPool: input must have 1 channel, but got ${x.shape[3]}`);
    return tf.tidy(() => tf.transpose(tf.maxPool(tf.transpose(x, [3, 1, 2, 0]), 2, 2, 'valid'), [3, 1, 2, 0]));
  }
}
tf.serialization.registerClass(SingleChannelMaxPool);
