// Every instruction set this CPU supports gives the same bits, through tfjs,
// as the default one (and the forward equals the scalar reference); setIsa's
// errors. The C++ tests (native/test) cover the ISAs in depth.
import * as tf from '@tensorflow/tfjs-node';
import {afterAll, expect, test} from 'vitest';

import {getBestIsa, getIsa, gridSample, setIsa} from '../lib';
import {native, SamplerShape} from '../lib/native';
import {ISAS} from '../lib/vocabulary';
import {expectBitwise, randomArray, rng, SAMPLER_CASES} from './helpers';

const supported = ISAS.slice(0, ISAS.indexOf(getBestIsa()) + 1);
afterAll(() => setIsa(getBestIsa()));

test('the default is the best ISA, and setIsa/getIsa switch between the supported ones', () => {
  if (process.env.STN_ISA === undefined) expect(getIsa()).toBe(getBestIsa());
  for (const isa of supported) {
    setIsa(isa);
    expect(getIsa()).toBe(isa);
  }
  expect(() => setIsa('sse9' as any)).toThrow("setIsa: isa must be one of 'base', 'avx2', 'avx512', but got 'sse9'");
  const above = ISAS[ISAS.indexOf(getBestIsa()) + 1];
  if (above) expect(() => setIsa(above)).toThrow(`setIsa: isa '${above}' is not supported by this CPU`);
});

// C = 1, 3 (pixel rows), 5, 17 (channel rows); 8- and 16-wide rows with tails.
const SHAPES: SamplerShape[] = [[2, 9, 11, 1, 5, 19], [1, 7, 6, 3, 4, 33], [2, 5, 5, 5, 3, 9],
  [1, 6, 7, 17, 5, 16]];

test.each(SHAPES)('every ISA gives the same bits: shape %j', (...shape) => {
  const [n, h, w, c, ho, wo] = shape;
  const random = rng(n * 1000 + c);
  const x = tf.tensor4d(randomArray(random, n * h * w * c), [n, h, w, c]);
  const g = tf.tensor4d(randomArray(random, n * ho * wo * 2, -1.3, 1.3), [n, ho, wo, 2]);
  const dy = tf.tensor4d(randomArray(random, n * ho * wo * c), [n, ho, wo, c]);
  for (const options of SAMPLER_CASES) {
    const results = supported.map((isa) => {
      setIsa(isa);
      const out = gridSample(x, g, options).dataSync() as Float32Array;
      const [dx, dg] = tf.grads((a: tf.Tensor, b: tf.Tensor) => gridSample(a, b, options))([x, g], dy);
      return {isa, out, dx: dx.dataSync() as Float32Array, dg: dg.dataSync() as Float32Array};
    });
    const ref = new Float32Array(n * ho * wo * c);
    native.reference.gridSampleForward(x.dataSync() as Float32Array, g.dataSync() as Float32Array,
        ref, shape as SamplerShape, native.Interpolation[options.mode],
        native.Padding[options.paddingMode], options.alignCorners);
    for (const r of results) {
      const label = `${r.isa} ${JSON.stringify(options)}`;
      expectBitwise(r.out, ref, `${label} forward vs reference`);
      expectBitwise(r.dx, results[0].dx, `${label} dInput vs ${results[0].isa}`);
      expectBitwise(r.dg, results[0].dg, `${label} dGrid vs ${results[0].isa}`);
    }
  }
});
