// The SpatialTransformer layer (Jaderberg et al. 2015): a localisation net
// regresses the parameters of a transform from the input, a grid generator
// turns them into a sampling grid, and the sampler resamples the input.
//
// NOTE [sub-layers and serialisation]
// tfjs-layers does not track the weights of layers held inside a layer, so
// this class lists them itself (trainableWeights / nonTrainableWeights) and
// creates them in build() by applying the sub-layers inside its own apply()
// name scope: their weights are then named "<this layer>/<sub-layer>/kernel",
// the same on every build, which is what model.save / tf.loadLayersModel match
// weights by. The built-in nets' sub-layers are named after this layer; a
// user's net keeps its own names and is stored as {className, config}.
// tfjs-layers re-cases string values in configs on save and load (camelCase <->
// snake_case), so every string option is a single lower-case word, and the
// constructor accepts them in any case.
import * as tf from '@tensorflow/tfjs-core';
import * as tfl from '@tensorflow/tfjs-layers';

import {checkControlPoints, controlPointsOption} from '../ops/tps_grid';
import {booleanOption, fail, oneOf} from '../validate';
import {INTERPOLATION_MODES, InterpolationMode, PADDING_MODES, PaddingMode} from '../vocabulary';
import {BUILT_IN_LOCALIZATIONS, BuiltInLocalization, builtInLocalization, deserializeLocalization,
  SerializedLocalization, serializeLocalization} from './localization';
import {scaleGradient} from './scale_gradient';
import {sampleTransform, TRANSFORM_TABLE, TransformName, TRANSFORMS} from './transforms';

const OP = 'SpatialTransformer';

// tfjs-layers' own types, reached through the public entry.
type LayerArgs = NonNullable<ConstructorParameters<typeof tfl.layers.Layer>[0]>;
type Kwargs = Parameters<tfl.layers.Layer['call']>[1];
type LayerVariable = tfl.LayerVariable;

export interface SpatialTransformerConfig extends LayerArgs {
  /** The transform family: 'affine' (default, 6 parameters), 'attention' (3: s, tx, ty),
   * 'projective' (8: a homography with h33 = 1) or 'tps' (2K: a thin-plate spline). */
  transform?: TransformName;
  /** [Ho, Wo] of the output; default the input's [H, W]. Smaller or larger resamples. */
  outputSize?: [number, number] | null;
  /** The localisation net: 'fc' (default), 'conv', or a tfjs LayersModel (or a Layer not
   * built yet) taking the layer's input; its output is flattened and fed to the regression layer. */
  localization?: BuiltInLocalization | tfl.layers.Layer | SerializedLocalization;
  /** The sampler: 'bilinear' (default), 'nearest' or 'bicubic'. */
  mode?: InterpolationMode;
  /** What lies outside the input: 'zeros' (default), 'border' or 'reflection'. */
  paddingMode?: PaddingMode;
  /** The sampler's and grid generator's alignCorners; default false. */
  alignCorners?: boolean;
  /** Also output the transform's parameters [N, P] as a second output; default false. */
  returnTheta?: boolean;
  /** λ >= 0: adds λ · mean over the batch of ||θ − θ_identity||² to the model's loss; default 0. */
  transformRegularizer?: number;
  /** > 0: the localisation net's gradients are multiplied by this; default 1. */
  localizationLrScale?: number;
  /** For 'tps': the control points [[x, y], …] (K >= 3); default a regular 4×4 grid over [-1, 1]². */
  controlPoints?: number[][];
}

const LAYER_ARGS = ['inputShape', 'batchInputShape', 'batchSize', 'dtype', 'name', 'trainable',
  'weights', 'inputDType'];
const OPTIONS = ['transform', 'outputSize', 'localization', 'mode', 'paddingMode', 'alignCorners',
  'returnTheta', 'transformRegularizer', 'localizationLrScale', 'controlPoints'];

/** A string option, accepted in any case (configs are re-cased on save and load). */
function lowerCase(value: unknown): unknown {
  return typeof value === 'string' ? value.toLowerCase() : value;
}

function numberOption(name: string, value: unknown, fallback: number, expected: string,
    ok: (v: number) => boolean): number {
  if (value === undefined || value === null) return fallback;
  if (typeof value !== 'number' || !Number.isFinite(value) || !ok(value)) fail(OP, name, expected, value);
  return value;
}

/** A tfjs-layers Layer that is not an instance of our copy's class (a second copy of tfjs in the app). */
function isForeignLayer(value: unknown): value is {getClassName(): string} {
  const v = value as {apply?: unknown, getClassName?: unknown} | null;
  return v !== null && typeof v === 'object' && typeof v.apply === 'function' &&
      typeof v.getClassName === 'function';
}

/** Checks the config's keys and picks the base Layer's arguments. */
function layerArgsOf(config: unknown): LayerArgs {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    fail(OP, 'config', 'an object', config);
  }
  const layerArgs: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(config)) {
    if (LAYER_ARGS.includes(key)) {
      if (value !== undefined) layerArgs[key] = value;
    } else if (!OPTIONS.includes(key)) {
      throw new Error(`${OP}: unknown option '${key}' (known options: ${OPTIONS.join(', ')}, ` +
          `and the Layer options ${LAYER_ARGS.join(', ')})`);
    }
  }
  return layerArgs as LayerArgs;
}

/**
 * A spatial transformer: localisation net → grid generator → sampler, as a
 * tfjs-layers layer. Input [N, H, W, C] (H, W, C known); output
 * [N, Ho, Wo, C], plus the parameters [N, P] with `returnTheta`.
 *
 * The regression layer ending the localisation net starts at the identity
 * (zero kernel, identity bias), so before training the layer returns its input
 * (resampled to outputSize). Serialisable: model.save / tf.loadLayersModel
 * round-trip it with its weights and a nested user localisation net.
 *
 * `localizationLrScale` puts an identity op after the localisation branch whose
 * backward multiplies the gradient by the scale, so every weight of the branch
 * (including the regression layer) receives scale × its gradient: with plain
 * SGD (or momentum) that is a learning rate scaled by it, the paper's lower
 * learning rate for the localisation net. Adaptive optimisers (Adam, RMSProp,
 * Adagrad) divide out a constant gradient scale, so there it has little effect.
 *
 * `transformRegularizer` λ adds λ · mean_n ||θ_n − θ_identity||² (over the last
 * call's parameters) to the model's loss through addLoss; model.fit adds it to
 * the loss it minimises, and a custom loop can add `model.calculateLosses()`
 * after its forward pass. (The layer then holds its last θ, one [N, P] tensor.)
 *
 * @throws Error naming the option when the configuration is invalid (see spatialTransformer).
 * @example
 * const input = tf.input({shape: [28, 28, 1]});
 * const [warped, theta] = new SpatialTransformer({transform: 'tps', returnTheta: true})
 *     .apply(input) as tf.SymbolicTensor[];
 */
export class SpatialTransformer extends tfl.layers.Layer {
  static className = 'SpatialTransformer';

  readonly transform: TransformName;
  readonly outputSize: [number, number] | null;
  readonly mode: InterpolationMode;
  readonly paddingMode: PaddingMode;
  readonly alignCorners: boolean;
  readonly returnTheta: boolean;
  readonly transformRegularizer: number;
  readonly localizationLrScale: number;
  /** Flat (x0, y0, x1, y1, …); empty unless transform is 'tps'. */
  protected readonly controlPoints: number[];
  private readonly localizationKind: BuiltInLocalization | null;
  /** The localisation layers in order (the user's net is one entry). */
  private readonly localization: tfl.layers.Layer[];
  private flattenOutput: tfl.layers.Layer | null = null;
  private regression: tfl.layers.Layer | null = null;
  private lastTheta: tf.Tensor | null = null;

  constructor(config: SpatialTransformerConfig = {}) {
    super(layerArgsOf(config));

    this.transform = oneOf(OP, 'transform', lowerCase(config.transform), TRANSFORMS, 'affine');
    const size = config.outputSize;
    if (size !== undefined && size !== null) {
      if (!Array.isArray(size) || size.length !== 2 ||
          !size.every((v) => typeof v === 'number' && Number.isSafeInteger(v) && v > 0)) {
        fail(OP, 'outputSize', 'an array of 2 positive integers [Ho, Wo]', size);
      }
    }
    this.outputSize = size === undefined || size === null ? null : [size[0], size[1]];
    this.mode = oneOf(OP, 'mode', lowerCase(config.mode), INTERPOLATION_MODES, 'bilinear');
    this.paddingMode = oneOf(OP, 'paddingMode', lowerCase(config.paddingMode), PADDING_MODES, 'zeros');
    this.alignCorners = booleanOption(OP, 'alignCorners', config.alignCorners, false);
    this.returnTheta = booleanOption(OP, 'returnTheta', config.returnTheta, false);
    this.transformRegularizer = numberOption('transformRegularizer', config.transformRegularizer, 0,
        'a finite number >= 0', (v) => v >= 0);
    this.localizationLrScale = numberOption('localizationLrScale', config.localizationLrScale, 1,
        'a finite number > 0', (v) => v > 0);

    if (this.transform === 'tps') {
      this.controlPoints = controlPointsOption(OP, 'controlPoints', config.controlPoints ?? undefined);
      checkControlPoints(OP, 'controlPoints', this.controlPoints);
    } else {
      if (config.controlPoints !== undefined && config.controlPoints !== null) {
        fail(OP, 'controlPoints', `unset unless transform is 'tps' (transform is '${this.transform}')`,
            config.controlPoints);
      }
      this.controlPoints = [];
    }

    const loc = lowerCase(config.localization ?? 'fc');
    if (typeof loc === 'string') {
      this.localizationKind = oneOf(OP, 'localization', loc, BUILT_IN_LOCALIZATIONS, 'fc');
      this.localization = builtInLocalization(this.localizationKind, this.name);
    } else if (loc instanceof tfl.layers.Layer) {
      if (!(loc instanceof tfl.LayersModel) && loc.built) {
        // Its weights were named outside this layer; a loaded copy would name them inside it.
        fail(OP, 'localization', 'a LayersModel, or a Layer not built yet (so that saved models load)',
            `the built layer '${loc.name}'`);
      }
      this.localizationKind = null;
      this.localization = [loc];
    } else if (loc !== null && typeof loc === 'object' &&
        typeof (loc as SerializedLocalization).className === 'string') {
      this.localizationKind = null;
      this.localization = [deserializeLocalization(OP, 'localization', loc as SerializedLocalization)];
    } else if (isForeignLayer(loc)) {
      throw new Error(`${OP}: localization must be a Layer of the @tensorflow/tfjs-layers this package ` +
          `uses, but got a ${loc.getClassName()} from another copy of it: the app has two copies of ` +
          'tfjs (see `npm ls @tensorflow/tfjs-layers`); install versions that satisfy this package\'s ' +
          'peerDependencies so that npm keeps one');
    } else {
      fail(OP, 'localization', `'fc', 'conv', a tfjs Layer or LayersModel, or {className, config}`, loc);
    }

    if (this.transformRegularizer > 0) this.addLoss(() => this.transformPenalty());
  }

  /** The identity's parameters, [P]. */
  get identityParams(): number[] {
    return TRANSFORM_TABLE[this.transform].identity(this.controlPoints);
  }

  private subLayers(): tfl.layers.Layer[] {
    const layers = [...this.localization];
    if (this.flattenOutput !== null) layers.push(this.flattenOutput);
    if (this.regression !== null) layers.push(this.regression);
    return layers;
  }

  override get trainableWeights(): LayerVariable[] {
    if (!this.trainable) return [];
    return [...super.trainableWeights, ...this.subLayers().flatMap((l) => l.trainableWeights)];
  }

  override set trainableWeights(weights: LayerVariable[]) {
    super.trainableWeights = weights;
  }

  override get nonTrainableWeights(): LayerVariable[] {
    const subs = this.subLayers();
    return [...super.nonTrainableWeights,
      ...subs.flatMap((l) => this.trainable ? l.nonTrainableWeights : l.weights)];
  }

  override set nonTrainableWeights(weights: LayerVariable[]) {
    super.nonTrainableWeights = weights;
  }

  private inputDims(inputShape: tfl.Shape | tfl.Shape[]): [number, number, number] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    if (Array.isArray(inputShape[0]) && inputShape.length !== 1) {
      fail(OP, 'inputs', 'one tensor [N, H, W, C]', `${inputShape.length} inputs`);
    }
    const known = (v: number | null) => typeof v === 'number' && v > 0;
    if (shape.length !== 4 || !known(shape[1]) || !known(shape[2]) || !known(shape[3])) {
      fail(OP, 'input shape', '[N, H, W, C] with H, W, C known and > 0', `[${shape.map(String)}]`);
    }
    return [shape[1]!, shape[2]!, shape[3]!];
  }

  override build(inputShape: tfl.Shape | tfl.Shape[]): void {
    const [h, w, c] = this.inputDims(inputShape);
    // Applying the sub-layers to a symbolic input builds them (creates their weights) in this scope.
    let x = tfl.input({batchShape: [null, h, w, c]}) as tfl.SymbolicTensor;
    for (const layer of this.localization) x = layer.apply(x) as tfl.SymbolicTensor;
    if (Array.isArray(x) || !(x instanceof tfl.SymbolicTensor)) {
      fail(OP, 'localization', 'a net with a single output', 'a net with several outputs');
    }
    const features = x.shape.slice(1);
    if (features.length === 0 || !features.every((v) => typeof v === 'number' && v > 0)) {
      fail(OP, 'localization', 'a net whose output, flattened, has a known size > 0 per example',
          `an output of shape [${x.shape.map(String)}]`);
    }
    if (x.shape.length > 2) {
      this.flattenOutput = tfl.layers.flatten({name: `${this.name}_loc_flatten_output`});
      x = this.flattenOutput.apply(x) as tfl.SymbolicTensor;
    }
    const identity = this.identityParams;
    this.regression = tfl.layers.dense({units: identity.length, kernelInitializer: 'zeros',
      biasInitializer: 'zeros', name: `${this.name}_theta`});
    this.regression.apply(x);
    const kernelShape = this.regression.getWeights()[0].shape;
    tf.tidy(() => this.regression!.setWeights([tf.zeros(kernelShape), tf.tensor1d(identity)]));
    this.built = true;
  }

  override computeOutputShape(inputShape: tfl.Shape | tfl.Shape[]): tfl.Shape | tfl.Shape[] {
    const shape = (Array.isArray(inputShape[0]) ? inputShape[0] : inputShape) as tfl.Shape;
    const [ho, wo] = this.outputSize ?? [shape[1], shape[2]];
    const output: tfl.Shape = [shape[0], ho, wo, shape[3]];
    return this.returnTheta ? [output, [shape[0], this.identityParams.length]] : output;
  }

  override call(inputs: tf.Tensor | tf.Tensor[], kwargs: Kwargs): tf.Tensor | tf.Tensor[] {
    const x = (Array.isArray(inputs) ? inputs[0] : inputs) as tf.Tensor4D;
    const keepTheta = this.returnTheta || this.transformRegularizer > 0;
    const outputs = tf.tidy(() => {
      let features: tf.Tensor = x;
      for (const layer of this.localization) features = layer.apply(features, kwargs) as tf.Tensor;
      if (this.flattenOutput !== null) features = this.flattenOutput.apply(features) as tf.Tensor;
      const theta = scaleGradient(this.regression!.apply(features) as tf.Tensor2D, this.localizationLrScale);
      const [n, h, w, c] = x.shape;
      const [ho, wo] = this.outputSize ?? [h, w];
      const output = this.resample(x, theta, [n, ho, wo, c]);
      return keepTheta ? [output, theta] : [output];
    });
    if (this.transformRegularizer > 0) {
      // Kept past the tidy of a model's call (a custom loop reads the penalty
      // after model.apply); a clone, so the output returned is never disposed here.
      this.lastTheta?.dispose();
      this.lastTheta = tf.keep(tf.clone(outputs[1]));
    }
    return this.returnTheta ? outputs : outputs[0];
  }

  /**
   * Resamples `input` [N, H, W, C] by the transform's parameters `theta` [N, P]
   * to `size` [N, Ho, Wo, C]. A subclass may sample differently (the training
   * job's stock-tfjs baseline does); everything else stays the layer's.
   */
  protected resample(input: tf.Tensor4D, theta: tf.Tensor2D, size: number[]): tf.Tensor4D {
    return sampleTransform(this.transform, input, theta, size,
        {mode: this.mode, paddingMode: this.paddingMode, alignCorners: this.alignCorners},
        this.controlPoints);
  }

  override dispose(): ReturnType<tfl.layers.Layer['dispose']> {
    const result = super.dispose();
    if (result.refCountAfterDispose === 0) {
      this.lastTheta?.dispose();
      this.lastTheta = null;
    }
    return result;
  }

  /** λ · mean_n ||θ_n − θ_identity||² of the last call; 0 before any call. */
  private transformPenalty(): tf.Scalar {
    return tf.tidy(() => {
      const theta = this.lastTheta;
      if (theta === null || theta.isDisposed) return tf.scalar(0);
      const diff = tf.sub(theta, tf.tensor1d(this.identityParams));
      return tf.mul(this.transformRegularizer, tf.mean(tf.sum(tf.square(diff), 1))) as tf.Scalar;
    });
  }

  override getConfig(): tf.serialization.ConfigDict {
    const config: tf.serialization.ConfigDict = {
      transform: this.transform,
      outputSize: this.outputSize,
      localization: this.localizationKind ??
          serializeLocalization(this.localization[0]) as unknown as tf.serialization.ConfigDict,
      mode: this.mode,
      paddingMode: this.paddingMode,
      alignCorners: this.alignCorners,
      returnTheta: this.returnTheta,
      transformRegularizer: this.transformRegularizer,
      localizationLrScale: this.localizationLrScale,
    };
    if (this.transform === 'tps') {
      const pairs: number[][] = [];
      for (let i = 0; i < this.controlPoints.length; i += 2) {
        pairs.push([this.controlPoints[i], this.controlPoints[i + 1]]);
      }
      config.controlPoints = pairs;
    }
    return {...super.getConfig(), ...config};
  }

  /** Rebuilds the layer from getConfig()'s output, a nested user localisation net included. */
  static override fromConfig<T extends tf.serialization.Serializable>(
      cls: tf.serialization.SerializableConstructor<T>, config: tf.serialization.ConfigDict,
      customObjects?: tf.serialization.ConfigDict): T {
    // tfjs-layers' deserialisation also tacks its customObjects onto the config.
    const {customObjects: attached, ...rebuilt} = config;
    const custom = (customObjects ?? attached ?? {}) as tf.serialization.ConfigDict;
    const localization = rebuilt.localization;
    if (localization !== null && typeof localization === 'object' && !Array.isArray(localization)) {
      rebuilt.localization = deserializeLocalization(OP, 'localization',
          localization as unknown as SerializedLocalization, custom) as unknown as tf.serialization.ConfigDict;
    }
    return new cls(rebuilt);
  }
}
tf.serialization.registerClass(SpatialTransformer);

/**
 * Creates a SpatialTransformer layer (see the class for the options and their defaults).
 * @throws Error naming the option when a configuration is invalid (unknown
 *     transform or localisation, outputSize not 2 positive integers, λ < 0,
 *     lr scale <= 0, collinear control points); at build, when the input is not
 *     [N, H, W, C] with known H, W, C, or the localisation net's output has no known size.
 * @example
 * const model = tf.sequential({layers: [
 *   spatialTransformer({inputShape: [28, 28, 1], transform: 'affine', localization: 'conv'}),
 *   tf.layers.flatten(),
 *   tf.layers.dense({units: 10, activation: 'softmax'}),
 * ]});
 */
export function spatialTransformer(config?: SpatialTransformerConfig): SpatialTransformer {
  return new SpatialTransformer(config);
}
