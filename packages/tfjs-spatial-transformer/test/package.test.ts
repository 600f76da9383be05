// The built package as users load it: require() and import by name, same API.
import {execFileSync} from 'child_process';
import * as path from 'path';
import {expect, test} from 'vitest';

const root = path.join(__dirname, '..');

function run(args: string[]): string {
  return execFileSync(process.execPath, args, {cwd: root, encoding: 'utf8',
    env: {...process.env, TF_CPP_MIN_LOG_LEVEL: '2'}});
}

// Warps a 2×2 image by the identity with each entry point, on the default ('tensorflow') backend.
const probe = (load: string) => `${load}
  const tf = require('@tensorflow/tfjs-node');
  const grid = stn.affineGrid(tf.tensor3d([[[1, 0, 0], [0, 1, 0]]]), [1, 2, 2, 1]);
  const out = stn.gridSample(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), grid, {mode: 'nearest'});
  console.log(JSON.stringify({backend: tf.getBackend(), names: Object.keys(stn).sort(),
    values: Array.from(out.dataSync())}));`;

test('require() and import give the same working API', () => {
  const cjs = JSON.parse(run(['-e', probe("const stn = require('tfjs-spatial-transformer');")]));
  const esm = JSON.parse(run(['--input-type=module', '-e', probe(`
    import * as stn from 'tfjs-spatial-transformer';
    import {createRequire} from 'module';
    const require = createRequire(process.cwd() + '/');`)]));
  expect(cjs.backend).toBe('tensorflow');
  expect(cjs.values).toEqual([1, 2, 3, 4]);
  expect(esm.values).toEqual([1, 2, 3, 4]);
  expect(esm.names.filter((n: string) => n !== 'default')).toEqual(cjs.names);
  expect(cjs.names).toEqual(expect.arrayContaining(['affineGrid', 'gridSample', 'getNumThreads', 'setNumThreads']));
});
