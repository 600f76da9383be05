// Kernel names and attribute types shared by ops, kernels and gradients.
import type {NamedAttrMap} from '@tensorflow/tfjs-core';

import type {InterpolationMode, PaddingMode} from './vocabulary';

export const GridSample = 'StnGridSample';
export const GridSampleGrad = 'StnGridSampleGrad';
export const AffineGrid = 'StnAffineGrid';
export const AffineGridGrad = 'StnAffineGridGrad';
export const AffineSample = 'StnAffineSample';
export const AffineSampleGrad = 'StnAffineSampleGrad';

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
