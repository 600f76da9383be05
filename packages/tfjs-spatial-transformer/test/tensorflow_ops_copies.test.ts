// Two copies of the package (from two paths) in one process, imported before
// or after tfjs-node, and in worker_threads at once: TF aborts the process
// when an op is registered twice, so these run in child processes. Each
// checks which copy registered the ops and that both copies' results on
// 'tensorflow' (TF-op path) equal the 'cpu' backend's bit for bit.
import {execFileSync} from 'child_process';
import * as fs from 'fs';
import * as path from 'path';
import {beforeAll, describe, expect, test} from 'vitest';

import {native} from '../lib/native';

const PACKAGE = path.join(__dirname, '..');
// Inside the package, so that both copies resolve the repository's one tfjs.
const COPIES = path.join(PACKAGE, 'build', 'copies');
const ADDON = ['Release', 'Debug'].map((dir) => path.join(PACKAGE, 'build', dir, 'stn_native.node'))
    .find((file) => fs.existsSync(file))!;

// The child's job: load copies and tfjs-node in the order given, then report
// each copy's tensorflowOps() and whether its results equal cpu's.
const CHILD = `
const {Worker, isMainThread, parentPort, workerData} = require('worker_threads');
const args = isMainThread ? JSON.parse(process.argv[2]) : workerData;
const report = {};
function check(name, stn, tf) {
  const run = () => tf.tidy(() => {
    const x = tf.tensor4d(Float32Array.from({length: 2 * 5 * 6 * 3}, (_, i) => Math.sin(i)), [2, 5, 6, 3]);
    const theta = tf.tensor3d([0.9, 0.2, 0.1, -0.3, 0.8, 0, 1.1, 0, -0.2, 0.1, 0.7, 0.3], [2, 2, 3]);
    const f = (a, t) => stn.gridSample(a, stn.affineGrid(t, [2, 4, 7, 3]), {paddingMode: 'reflection'});
    const [dx, dt] = tf.grads((a, t) => tf.sum(tf.square(f(a, t))))([x, theta]);
    return [f(x, theta), dx, dt, tf.grad((t) => tf.sum(stn.affineSample(x, t, [2, 4, 7, 3])))(theta)]
        .map((t) => Array.from(t.dataSync()));
  });
  tf.setBackend('tensorflow');
  const onTf = run();
  tf.setBackend('cpu');
  const onCpu = run();
  tf.setBackend('tensorflow');
  report[name] = {status: stn.tensorflowOps(), equal: JSON.stringify(onTf) === JSON.stringify(onCpu)};
}
let tf;
for (const step of args.steps) {
  if (step === 'tfjs') tf = require('@tensorflow/tfjs-node');
  else if (step.startsWith('status:')) report[step] = require(args.copies[step.slice(7)]).tensorflowOps();
  else if (step.startsWith('op-name:')) {
    report[step] = require(args.copies[step.slice(8)] + '/dist/tensorflow_ops').tensorflowOpName('StnGridSample');
  } else check(step, require(args.copies[step]), tf);
}
// The op run straight through tfjs-node's backend, with attributes no call
// has used yet, so that TF builds a new kernel from the op's functions.
function runOpDirectly(op) {
  const b = tf.engine().findBackend('tensorflow');
  const {TF_ATTR_STRING: s, TF_ATTR_BOOL: bool} = b.binding;
  const attrs = [{name: 'mode', type: s, value: 'nearest'}, {name: 'padding_mode', type: s, value: 'border'},
    {name: 'align_corners', type: bool, value: true}];
  const out = b.executeSingleOutput(op, attrs, [tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]), tf.tensor4d([1, -1], [1, 1, 1, 2])]);
  return Array.from(tf.engine().makeTensorFromTensorInfo(out).dataSync());
}
if (!isMainThread) {
  parentPort.postMessage(report);
} else if (args.workers) {
  let pending = args.workers.length;
  for (const steps of args.workers) {
    const w = new Worker(__filename, {workerData: {...args, steps, workers: null}});
    w.on('message', (m) => Object.assign(report, m));
    w.on('error', (e) => { report.error = e.message; });
    w.on('exit', () => {
      if (--pending > 0) return;
      if (args.afterWorkers) report.after = runOpDirectly(report[args.afterWorkers]);
      console.log(JSON.stringify(report));
    });
  }
} else {
  console.log(JSON.stringify(report));
}
`;

interface Copy {
  status: {active: boolean, reason: string};
  equal: boolean;
}

function runChild(args: object, env: Record<string, string> = {}): Record<string, Copy> {
  const script = path.join(COPIES, 'child.js');
  const out = execFileSync(process.execPath, [script, JSON.stringify(args)],
      {cwd: COPIES, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000,
        env: {...process.env, ...env}});
  return JSON.parse(out.trim().split('\n').pop()!);
}

describe('two copies of the package in one process', () => {
  let copies: Record<string, string>;

  beforeAll(() => {
    fs.rmSync(COPIES, {recursive: true, force: true});
    copies = {};
    for (const name of ['a', 'b']) {
      const root = path.join(COPIES, name);
      // The library compiled from lib/ as it is now, with this build's addon.
      execFileSync(process.execPath, [require.resolve('typescript/bin/tsc'), '-p', path.join(PACKAGE, 'tsconfig.json'),
        '--outDir', path.join(root, 'dist'), '--declaration', 'false', '--sourceMap', 'false', '--declarationMap', 'false']);
      fs.copyFileSync(path.join(PACKAGE, 'package.json'), path.join(root, 'package.json'));
      fs.mkdirSync(path.join(root, 'build', 'Release'), {recursive: true});
      fs.copyFileSync(ADDON, path.join(root, 'build', 'Release', 'stn_native.node'));
      copies[name] = root;
    }
    fs.writeFileSync(path.join(COPIES, 'child.js'), CHILD);
  }, 120_000);

  // Every op of the addon's table (native/tf_ops.cc).
  const registered = new RegExp(`^${Object.keys(native.attachTensorflowOps().ops).length} ops registered in TensorFlow \\d`);
  const another = /^the ops another copy of the package registered in TensorFlow \d/;

  test('tfjs-node first, then copy a, then copy b', () => {
    const r = runChild({copies, steps: ['tfjs', 'a', 'b']});
    expect(r.a).toEqual({status: {active: true, reason: expect.stringMatching(registered)}, equal: true});
    expect(r.b).toEqual({status: {active: true, reason: expect.stringMatching(another)}, equal: true});
  });

  test('both copies before tfjs-node: not attached until it loads, then active', () => {
    const r = runChild({copies, steps: ['status:a', 'status:b', 'tfjs', 'b', 'a']});
    for (const name of ['status:a', 'status:b']) {
      expect(r[name]).toEqual({active: false, reason: expect.stringMatching(/^no libtensorflow is loaded/)});
    }
    expect(r.b).toEqual({status: {active: true, reason: expect.stringMatching(registered)}, equal: true});
    expect(r.a).toEqual({status: {active: true, reason: expect.stringMatching(another)}, equal: true});
  });

  test('STN_TF_OPS=0 keeps the copying path, with the same results', () => {
    const r = runChild({copies, steps: ['tfjs', 'a']}, {STN_TF_OPS: '0'});
    expect(r.a).toEqual({status: {active: false, reason: 'turned off by STN_TF_OPS=0'}, equal: true});
  });

  test('worker_threads loading tfjs-node and either copy at the same time', () => {
    const r = runChild({copies, steps: ['tfjs'], workers: [['tfjs', 'a'], ['tfjs', 'b'], ['tfjs', 'a', 'b']]});
    expect(r.error).toBeUndefined();
    const reasons = [r.a, r.b].map((copy) => {
      expect(copy).toEqual({status: {active: true, reason: expect.any(String)}, equal: true});
      return copy.status.reason;
    });
    // Exactly one copy registered them (which one depends on the race).
    expect(reasons.filter((reason) => registered.test(reason)).length).toBeLessThanOrEqual(1);
    for (const reason of reasons) expect(reason).toMatch(new RegExp(`${registered.source}|${another.source}`));
  });

  // Node unloads an addon that only worker_threads loaded when the last of
  // them exits; TF keeps the ops' functions, so the addon must stay mapped.
  test('the ops outlive the worker that registered them (the addon stays loaded)', () => {
    const r = runChild({copies, steps: ['tfjs'], workers: [['tfjs', 'a', 'op-name:a']],
      afterWorkers: 'op-name:a'}) as unknown as Record<string, unknown>;
    expect(r.error).toBeUndefined();
    expect(r['op-name:a']).toMatch(/^StnGridSampleAbi\d+$/);
    expect(r.after).toEqual([2]);  // (1, -1) with alignCorners: the top-right pixel
  });
});
