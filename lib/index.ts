// Public entry: importing the package registers the kernels and gradients on
// tfjs-node's 'tensorflow' backend and on the 'cpu' backend.
import './register';

export {affineGrid} from './ops/affine_grid';
export type {AffineGridOptions} from './ops/affine_grid';
export {gridSample} from './ops/grid_sample';
export type {GridSampleOptions} from './ops/grid_sample';
export {getNumThreads, setNumThreads} from './threads';
export {AffineGrid, AffineGridGrad, GridSample, GridSampleGrad} from './kernel_names';
export type {InterpolationMode, PaddingMode} from './kernel_names';
