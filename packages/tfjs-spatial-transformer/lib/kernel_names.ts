// Kernel names and attribute types shared by ops, kernels and gradients.
import type {NamedAttrMap} from '@tensorflow/tfjs-core';

import type {FillMode, InterpolationMode, PaddingMode} from './vocabulary';

export const GridSample = 'StnGridSample';
export const GridSampleGrad = 'StnGridSampleGrad';
export const AffineGrid = 'StnAffineGrid';
export const AffineGridGrad = 'StnAffineGridGrad';
export const AffineSample = 'StnAffineSample';
export const AffineSampleGrad = 'StnAffineSampleGrad';
export const GridSample3d = 'StnGridSample3d';
export const GridSample3dGrad = 'StnGridSample3dGrad';
export const AffineGrid3d = 'StnAffineGrid3d';
export const AffineGrid3dGrad = 'StnAffineGrid3dGrad';
export const AffineSample3d = 'StnAffineSample3d';
export const AffineSample3dGrad = 'StnAffineSample3dGrad';
export const FlowWarp = 'StnFlowWarp';
export const FlowWarpGrad = 'StnFlowWarpGrad';
export const FlowWarp3d = 'StnFlowWarp3d';
export const FlowWarp3dGrad = 'StnFlowWarp3dGrad';

/** The 2-D sampler's kernels, forwards and backwards: what an image STN's step runs of ours. */
export const SAMPLER_KERNELS: readonly string[] =
    [GridSample, GridSampleGrad, AffineGrid, AffineGridGrad, AffineSample, AffineSampleGrad];

export interface GridSampleAttrs extends NamedAttrMap {
  mode: InterpolationMode;
  paddingMode: PaddingMode;
  alignCorners: boolean;
}

/** Which gradients one backward pass computes; the kernel outputs them in this order. */
export interface GridSampleGradAttrs extends GridSampleAttrs {
  computeInputGrad: boolean;
  computeGridGrad: boolean;
}

export interface AffineGridAttrs extends NamedAttrMap {
  /** The output's NHWC shape [N, Ho, Wo, C]. */
  size: number[];
  alignCorners: boolean;
}

/** The fused affine sampler: the sampler's attributes plus the output's NHWC shape. */
export interface AffineSampleAttrs extends GridSampleAttrs {
  /** [N, Ho, Wo, C]. */
  size: number[];
}

/** Which gradients one backward pass computes; the kernel outputs them in this order. */
export interface AffineSampleGradAttrs extends AffineSampleAttrs {
  computeInputGrad: boolean;
  computeThetaGrad: boolean;
}

/** The volume affine grid: the output's NDHWC shape [N, Do, Ho, Wo, C]. */
export interface AffineGrid3dAttrs extends NamedAttrMap {
  size: number[];
  alignCorners: boolean;
}

/** A displacement-field warp (alignCorners is implied: native/flow_warp.h). */
export interface FlowWarpAttrs extends NamedAttrMap {
  mode: InterpolationMode;
  paddingMode: PaddingMode;
}

/** Which gradients one backward pass computes; the kernel outputs them in this order. */
export interface FlowWarpGradAttrs extends FlowWarpAttrs {
  computeInputGrad: boolean;
  computeFlowGrad: boolean;
}

/**
 * tfjs's own kernel of tf.image.transform (the name tfjs-core's op runs), which
 * the package registers on both backends, and its backward kernel (ours).
 */
export const Transform = 'Transform';
export const TransformGrad = 'StnTransformGrad';

/** tfjs's attributes of Transform (tfjs-core's TransformAttrs). */
export interface TransformAttrs extends NamedAttrMap {
  interpolation: 'nearest'|'bilinear';
  fillMode: FillMode;
  fillValue: number;
  /** [Ho, Wo]; tfjs passes null or undefined for the image's [H, W]. */
  outputShape: number[];
}

/** Which gradients one backward pass computes; the kernel outputs them in this order. */
export interface TransformGradAttrs extends TransformAttrs {
  computeImageGrad: boolean;
  computeTransformsGrad: boolean;
}

/**
 * tfjs's own kernel of tf.image.rotateWithOffset, which the package registers
 * on both backends, and its backward kernel (ours: the image's gradient).
 */
export const RotateWithOffset = 'RotateWithOffset';
export const RotateWithOffsetGrad = 'StnRotateWithOffsetGrad';

/** tfjs's attributes of RotateWithOffset (tfjs-core's RotateWithOffsetAttrs). */
export interface RotateWithOffsetAttrs extends NamedAttrMap {
  radians: number;
  /** One value for every channel, or [r, g, b] (channel 3 then gets 255). */
  fillValue: number|[number, number, number];
  /** The centre as fractions of the width and height: one for both, or [x, y]. */
  center: number|[number, number];
}

/**
 * tfjs's own kernel of tf.image.cropAndResize, which the package registers on
 * 'cpu' ('tensorflow' keeps tfjs-node's: TensorFlow's op), and its backward
 * kernel (ours, on both backends).
 */
export const CropAndResize = 'CropAndResize';
export const CropAndResizeGrad = 'StnCropAndResizeGrad';

/** tfjs's attributes of CropAndResize (tfjs-core's CropAndResizeAttrs). */
export interface CropAndResizeAttrs extends NamedAttrMap {
  method: 'bilinear'|'nearest';
  extrapolationValue: number;
  /** [cropHeight, cropWidth]. */
  cropSize: number[];
}

/** Which gradients one backward pass computes; the kernel outputs them in this order. */
export interface CropAndResizeGradAttrs extends CropAndResizeAttrs {
  computeImageGrad: boolean;
  computeBoxesGrad: boolean;
}
