// The package loaded with import: the same identity warp as smoke.cjs.
import * as tf from '@tensorflow/tfjs';
import {affineGrid, getIsa, gridSample} from 'tfjs-spatial-transformer';
import {compositeGridSample} from 'tfjs-spatial-transformer/composite';

const image = tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]);
const grid = affineGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]), [1, 2, 2, 1]);
const out = gridSample(image, grid, {mode: 'nearest'});
const composite = compositeGridSample(image, grid);
console.log(JSON.stringify({loader: 'import', values: Array.from(out.dataSync()), isa: getIsa(),
  composite: Array.from(composite.dataSync())}));
