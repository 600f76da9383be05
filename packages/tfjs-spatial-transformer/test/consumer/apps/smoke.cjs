'use strict';
// The package loaded with require(): an identity warp, nearest, on tfjs's current backend.
const tf = require('@tensorflow/tfjs');
const stn = require('tfjs-spatial-transformer');

const grid = stn.affineGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]), [1, 2, 2, 1]);
const out = stn.gridSample(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), grid, {mode: 'nearest'});
console.log(JSON.stringify({loader: 'require', values: Array.from(out.dataSync()), isa: stn.getIsa()}));
