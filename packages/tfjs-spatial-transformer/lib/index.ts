// Public entry: importing the package registers the kernels and gradients on
// tfjs-node's 'tensorflow' backend and on the 'cpu' backend.
import './peers';  // first: the app's tfjs must be there
import './register';

export {affineGrid} from './ops/affine_grid';
export type {AffineGridOptions} from './ops/affine_grid';
export {gridSample} from './ops/grid_sample';
export type {GridSampleOptions} from './ops/grid_sample';
export {affineSample} from './ops/affine_sample';
export {gridSample3d} from './ops/grid_sample_3d';
export type {GridSample3dOptions} from './ops/grid_sample_3d';
export {affineGrid3d} from './ops/affine_grid_3d';
export {affineSample3d} from './ops/affine_sample_3d';
export {flowWarp} from './ops/flow_warp';
export type {FlowWarpOptions} from './ops/flow_warp';
export {getNumThreads, setNumThreads} from './threads';
export {tensorflowOps} from './tensorflow_ops';
export type {TensorflowOpsStatus} from './tensorflow_ops';
export {getBestIsa, getIsa, setIsa} from './isa';
export type {Isa} from './isa';
export {AffineGrid, AffineGridGrad, AffineSample, AffineSampleGrad, GridSample, GridSampleGrad, SAMPLER_KERNELS} from './kernel_names';
export {AffineGrid3d, AffineGrid3dGrad, AffineSample3d, AffineSample3dGrad, FlowWarp, FlowWarp3d, FlowWarp3dGrad, FlowWarpGrad, GridSample3d,
  GridSample3dGrad} from './kernel_names';
export {FILL_MODES, INTERPOLATION_MODES, PADDING_MODES, VOLUME_INTERPOLATION_MODES} from './vocabulary';
export type {FillMode, InterpolationMode, PaddingMode, VolumeInterpolationMode} from './vocabulary';
export {CropAndResize, CropAndResizeGrad, RotateWithOffset, RotateWithOffsetGrad, Transform,
  TransformGrad} from './kernel_names';
export {attentionGrid} from './ops/attention_grid';
export type {AttentionGridOptions} from './ops/attention_grid';
export {PROJECTIVE_FAR, projectiveGrid} from './ops/projective_grid';
export type {ProjectiveGridOptions} from './ops/projective_grid';
export {tpsControlPoints, tpsGrid} from './ops/tps_grid';
export type {TpsGridOptions} from './ops/tps_grid';
export {SpatialTransformer, spatialTransformer} from './layers/spatial_transformer';
export type {SpatialTransformerConfig} from './layers/spatial_transformer';
export {TRANSFORMS} from './layers/transforms';
export type {TransformName} from './layers/transforms';
export type {BuiltInLocalization, SerializedLocalization} from './layers/localization';
export {StnReluGrad, useFusedReluGrad} from './fused_relu_grad';
export {StnMaxPoolGrad, useFastMaxPoolGrad} from './max_pool_grad';
