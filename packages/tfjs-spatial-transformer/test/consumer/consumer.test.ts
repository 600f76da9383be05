// The package as a user gets it: `npm pack` (prebuilt binary included), then
// `npm install` of the tarball into scratch apps outside the repository, each
// running the scripts in apps/:
// - an existing app on @tensorflow/tfjs-node 4.21.0 (not the repo's 4.22.0)
//   that adds the package: one copy of tfjs-core, the ops on both backends, a
//   saved ST-CNN loading through the app's own tf.loadLayersModel;
// - a new app on pure @tensorflow/tfjs at the lowest version of the peer range,
//   both installed at once;
// - an app without tfjs: importing says what to install;
// - an app installed with the C/C++ compilers and cmake hidden from PATH: the
//   prebuilt loads, require/import/TypeScript types work; then the two ways to
//   build from source (cmake-js via the install script, node-gyp via binding.gyp).
// Run by `npm run test:consumer` (part of `npm test`), after the other tests.
import {spawnSync, SpawnSyncReturns} from 'child_process';
import * as fs from 'fs';
import * as os from 'os';
import * as path from 'path';
import {afterAll, beforeAll, describe, expect, test} from 'vitest';

import {native} from '../../lib/native';

const packageDir = path.join(__dirname, '..', '..');
const repoRoot = path.join(packageDir, '..', '..');
const apps = path.join(__dirname, 'apps');
const offlineHelper = path.join(repoRoot, 'scripts', 'tfjs-node-offline');
/** The lowest tfjs of the peer range, which the pure-tfjs app installs. */
const LOWEST_TFJS = (require(path.join(packageDir, 'package.json')) as
    {peerDependencies: Record<string, string>}).peerDependencies['@tensorflow/tfjs-core'].replace(/^\^/, '');
const HIDDEN_TOOLS = /^(cc|c\+\+|gcc|g\+\+|cpp|clang|clang\+\+|cmake|x86_64-linux-gnu-(gcc|g\+\+|cpp))(-[\d.]+)?$/;

let work: string;
let tarball: string;

const baseEnv = {...process.env, TF_CPP_MIN_LOG_LEVEL: '2', npm_config_audit: 'false', npm_config_fund: 'false',
  npm_config_update_notifier: 'false'};
// npm of this process (set when run through an npm script), else the one on PATH.
const npmCommand = process.env.npm_execpath ? [process.execPath, process.env.npm_execpath] : ['npm'];

function run(command: string[], cwd: string, env: NodeJS.ProcessEnv = baseEnv): SpawnSyncReturns<string> {
  return spawnSync(command[0], command.slice(1), {cwd, env, encoding: 'utf8', maxBuffer: 64 << 20});
}

function ok(result: SpawnSyncReturns<string>, what: string): string {
  if (result.status !== 0) {
    throw new Error(`${what} failed (exit ${result.status}${result.error ? `, ${result.error.message}` : ''}):\n` +
        `${result.stdout.slice(-4000)}\n${result.stderr.slice(-8000)}`);
  }
  return result.stdout;
}

function npm(args: string[], cwd: string, env: NodeJS.ProcessEnv = baseEnv): SpawnSyncReturns<string> {
  return run([...npmCommand, ...args], cwd, env);
}

/** A scratch app: package.json with these dependencies, and the given files from apps/. */
function makeApp(name: string, dependencies: Record<string, string>, files: string[],
    devDependencies: Record<string, string> = {}): string {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify(
      {name, version: '1.0.0', private: true, dependencies, devDependencies}, null, 1));
  for (const file of files) fs.copyFileSync(path.join(apps, file), path.join(dir, file));
  return dir;
}

/** The distinct installed copies of `name` under app/node_modules, with their versions. */
function copiesOf(app: string, name: string): string[] {
  const found = new Set<string>();
  const walk = (modules: string) => {
    if (!fs.existsSync(modules)) return;
    for (const entry of fs.readdirSync(modules)) {
      if (entry.startsWith('.')) continue;
      const dirs = entry.startsWith('@') ?
        fs.readdirSync(path.join(modules, entry)).map((e) => path.join(modules, entry, e)) :
        [path.join(modules, entry)];
      for (const dir of dirs) {
        const manifest = path.join(dir, 'package.json');
        if (!fs.existsSync(manifest)) continue;
        const pkg = JSON.parse(fs.readFileSync(manifest, 'utf8')) as {name: string, version: string};
        if (pkg.name === name) found.add(`${path.relative(app, dir)}@${pkg.version}`);
        walk(path.join(dir, 'node_modules'));
      }
    }
  };
  walk(path.join(app, 'node_modules'));
  return [...found].sort();
}

/** A PATH of symlinks to everything on PATH but the compilers and cmake (made once). */
function pathWithoutCompilers(): string {
  const bin = path.join(work, 'bin-without-compilers');
  if (fs.existsSync(bin)) return bin;
  fs.mkdirSync(bin);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter).filter((d) => fs.existsSync(d))) {
    for (const name of fs.readdirSync(dir)) {
      const link = path.join(bin, name);
      if (HIDDEN_TOOLS.test(name) || fs.existsSync(link)) continue;
      fs.symlinkSync(path.join(dir, name), link);
    }
  }
  return bin;
}

function json(stdout: string): Record<string, unknown> {
  return JSON.parse(stdout.trim().split('\n').at(-1)!);
}

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'stn-consumer-'));
  ok(npm(['pack', '--pack-destination', work], packageDir), 'npm pack');
  tarball = path.join(work, fs.readdirSync(work).find((f) => f.endsWith('.tgz'))!);
}, 600_000);
afterAll(() => {
  if (work) fs.rmSync(work, {recursive: true, force: true});
});

test('the tarball holds the build, the sources for a rebuild and one stripped linux-x64 binary', () => {
  const listing = ok(run(['tar', 'tzf', tarball], work), 'tar').split('\n').filter(Boolean);
  expect(listing).toEqual(expect.arrayContaining(['package/dist/index.js', 'package/dist/index.mjs',
    'package/dist/index.d.ts', 'package/dist/composite.mjs', 'package/README.md', 'package/LICENSE',
    'package/CMakeLists.txt', 'package/binding.gyp', 'package/native/sources.json', 'package/scripts/install.js',
    'package/prebuilds/linux-x64/stn_native.node', 'package/prebuilds/linux-x64/libgomp.so.1']));
  expect(listing.filter((f) => f.endsWith('.node'))).toEqual(['package/prebuilds/linux-x64/stn_native.node']);
  expect(listing.filter((f) => f.includes('/test/') || f.endsWith('.map') || f.includes('/build/'))).toEqual([]);
  const unpacked = path.join(work, 'unpacked');
  fs.mkdirSync(unpacked);
  ok(run(['tar', 'xzf', tarball, '-C', unpacked], work), 'tar x');
  const binary = path.join(unpacked, 'package', 'prebuilds', 'linux-x64', 'stn_native.node');
  expect(ok(run(['file', binary], work), 'file')).toContain('stripped');
  expect(ok(run(['file', binary], work), 'file')).not.toContain('not stripped');
  const dynamic = ok(run(['readelf', '-d', binary], work), 'readelf');
  expect(dynamic).toMatch(/RUNPATH.*\[\$ORIGIN\]/);
  // It attaches to tfjs-node's libtensorflow at run time (native/tf_ops.cc), never links one.
  expect(dynamic).not.toMatch(/tensorflow/);
  const ldd = ok(run(['ldd', binary], work), 'ldd');
  expect(ldd).toContain(`libgomp.so.1 => ${path.dirname(binary)}/`);
  // The documented run-time needs (README, Install): glibc >= 2.34 (the bundled libgomp), libstdc++ of GCC >= 5.
  const versions = (prefix: string) => ['stn_native.node', 'libgomp.so.1'].flatMap((file) =>
    [...ok(run(['objdump', '-T', path.join(path.dirname(binary), file)], work), 'objdump')
        .matchAll(new RegExp(`\\(${prefix}_([\\d.]+)\\)`, 'g'))].map((m) => m[1].split('.').map(Number)));
  const newest = (vs: number[][]) => vs.reduce((a, b) => (a[0] - b[0] || a[1] - b[1] || (a[2] ?? 0) - (b[2] ?? 0)) >= 0 ? a : b);
  expect(newest(versions('GLIBC')).join('.')).toBe('2.34');
  expect(newest(versions('GLIBCXX')).slice(0, 2)).toEqual([3, 4]);
  expect(newest(versions('GLIBCXX'))[2]).toBeLessThanOrEqual(21);
});

describe('an app on @tensorflow/tfjs-node 4.21.0 that adds the package', () => {
  let app: string;
  beforeAll(() => {
    app = makeApp('app-tfjs-node', {'@tensorflow/tfjs-node': '4.21.0'}, ['node_app.js'],
        {'tfjs-node-offline-deps': `file:${offlineHelper}`});
    // The offline helper fills tfjs-node's deps/ where its CDN is unreachable (docs/development.md).
    fs.writeFileSync(path.join(app, '.npmrc'), 'install-links=true\n');
    ok(npm(['install'], app), 'npm install (the existing app)');
    ok(npm(['install', tarball], app), 'npm install <tarball>');
  }, 900_000);

  test('npm keeps one copy of tfjs-core and tfjs-layers: the app\'s 4.21.0', () => {
    expect(copiesOf(app, '@tensorflow/tfjs-core')).toEqual(['node_modules/@tensorflow/tfjs-core@4.21.0']);
    expect(copiesOf(app, '@tensorflow/tfjs-layers')).toEqual(['node_modules/@tensorflow/tfjs-layers@4.21.0']);
    expect(copiesOf(app, '@tensorflow/tfjs-node')).toEqual(['node_modules/@tensorflow/tfjs-node@4.21.0']);
  });

  test('import keeps the backend; ops run on both backends; a saved ST-CNN loads with the app\'s tfjs', () => {
    const out = json(ok(run([process.execPath, 'node_app.js', path.join(app, 'saved')], app), 'node_app.js')) as {
      tfjs: string, backendAfterImport: string, ops: Record<string, {nearest: number[], dTheta: number[]}>,
      tensorflowOps: {active: boolean, reason: string}, model: {firstLayer: string, equal: boolean, thetaMoved: number}};
    expect(out.tfjs).toBe('4.21.0');
    expect(out.backendAfterImport).toBe('cpu');
    // The prebuilt attached to this tfjs-node's libtensorflow: the kernels ran as TF ops.
    const ops = Object.keys(native.attachTensorflowOps().ops).length;  // native/tf_ops.cc's table
    expect(out.tensorflowOps).toEqual({active: true,
      reason: expect.stringMatching(new RegExp(`^${ops} ops registered in TensorFlow \\d`))});
    for (const backend of ['tensorflow', 'cpu']) expect(out.ops[backend].nearest).toEqual([1, 2, 3, 4]);
    expect(Math.max(...out.ops.cpu.dTheta.map(Math.abs))).toBeGreaterThan(0.1);
    out.ops.cpu.dTheta.forEach((v, i) => expect(out.ops.tensorflow.dTheta[i]).toBeCloseTo(v, 5));
    expect(out.model).toEqual({firstLayer: 'SpatialTransformer', equal: true, thetaMoved: expect.any(Number)});
    expect(out.model.thetaMoved).toBeGreaterThan(1e-4);
  }, 120_000);
});

describe(`an app on pure @tensorflow/tfjs ${LOWEST_TFJS}, the lowest version of the peer range`, () => {
  let app: string;
  beforeAll(() => {
    app = makeApp('app-tfjs-lowest', {'@tensorflow/tfjs': LOWEST_TFJS, 'tfjs-spatial-transformer': `file:${tarball}`},
        ['cpu_app.js']);
    ok(npm(['install'], app), 'npm install');
  }, 600_000);

  test('installs no tfjs-node and one tfjs-core', () => {
    expect(fs.existsSync(path.join(app, 'node_modules', '@tensorflow', 'tfjs-node'))).toBe(false);
    expect(copiesOf(app, '@tensorflow/tfjs-core')).toEqual([`node_modules/@tensorflow/tfjs-core@${LOWEST_TFJS}`]);
  });

  test('gridSample\'s gradients on cpu match finite differences; the layer starts at the identity', () => {
    const out = json(ok(run([process.execPath, 'cpu_app.js'], app), 'cpu_app.js')) as {tfjs: string, backend: string,
      dGrid: number[], dGridFiniteDifferences: number[], dInputSum: number, identityLayer: number[], image: number[]};
    expect(out.tfjs).toBe(LOWEST_TFJS);
    expect(out.backend).toBe('cpu');
    expect(Math.max(...out.dGrid.map(Math.abs))).toBeGreaterThan(0.1);
    out.dGrid.forEach((v, i) => expect(v).toBeCloseTo(out.dGridFiniteDifferences[i], 2));
    expect(out.dInputSum).toBeCloseTo(1 - 2 + 3 + 0.5, 5);  // bilinear weights sum to 1 per output (border)
    out.identityLayer.forEach((v, i) => expect(v).toBeCloseTo(out.image[i], 6));
  }, 120_000);
});

test('an app without tfjs: importing the package says what to install', () => {
  const app = makeApp('app-without-tfjs', {'tfjs-spatial-transformer': `file:${tarball}`}, []);
  ok(npm(['install'], app), 'npm install');
  const result = run([process.execPath, '-e', "require('tfjs-spatial-transformer')"], app);
  expect(result.status).not.toBe(0);
  expect(result.stderr).toContain('tfjs-spatial-transformer needs @tensorflow/tfjs-core and @tensorflow/tfjs-layers');
  expect(result.stderr).toContain('npm install @tensorflow/tfjs-node');
}, 300_000);

// npm 12 skips the install scripts of dependencies a project has not approved
// (allowScripts), as --ignore-scripts does: the prebuilt must load untested.
test('an app installed with --ignore-scripts (npm 12\'s default) loads the prebuilt', () => {
  const app = makeApp('app-ignore-scripts', {'@tensorflow/tfjs': '4.22.0', 'tfjs-spatial-transformer': `file:${tarball}`},
      ['smoke.cjs']);
  const noCompilers = {...baseEnv, PATH: pathWithoutCompilers()};
  ok(npm(['install', '--ignore-scripts'], app, noCompilers), 'npm install --ignore-scripts');
  expect(fs.existsSync(path.join(app, 'node_modules', 'tfjs-spatial-transformer', 'build'))).toBe(false);
  expect(json(ok(run([process.execPath, 'smoke.cjs'], app, noCompilers), 'smoke.cjs')))
      .toEqual({loader: 'require', values: [1, 2, 3, 4], isa: expect.stringMatching(/^(base|avx2|avx512)$/)});
}, 300_000);

describe('an app installed without compilers', () => {
  let app: string;
  let noCompilers: NodeJS.ProcessEnv;
  let installed: string;
  const smoke = (env: NodeJS.ProcessEnv) => ['smoke.cjs', 'smoke.mjs'].map((file) =>
    json(ok(run([process.execPath, file], app, env), file)));

  beforeAll(() => {
    noCompilers = {...baseEnv, PATH: pathWithoutCompilers()};
    app = makeApp('app-no-compilers', {'@tensorflow/tfjs': '4.22.0', 'tfjs-spatial-transformer': `file:${tarball}`},
        ['smoke.cjs', 'smoke.mjs', 'typed.ts']);
    installed = path.join(app, 'node_modules', 'tfjs-spatial-transformer');
    const result = npm(['install', '--foreground-scripts'], app, noCompilers);
    ok(result, 'npm install without compilers');
    expect(result.stdout + result.stderr).toContain('using the prebuilt addon');
  }, 600_000);

  test('the compilers and cmake really are hidden', () => {
    for (const tool of ['cc', 'c++', 'g++', 'cmake']) {
      expect(run(['sh', '-c', `command -v ${tool}`], app, noCompilers).status, tool).not.toBe(0);
    }
  });

  test('the prebuilt binary is used, and works through require() and import', () => {
    expect(fs.existsSync(path.join(installed, 'build'))).toBe(false);
    const [cjs, esm] = smoke(noCompilers);
    expect(cjs).toEqual({loader: 'require', values: [1, 2, 3, 4], isa: expect.stringMatching(/^(base|avx2|avx512)$/)});
    expect(esm).toEqual({loader: 'import', values: [1, 2, 3, 4], isa: cjs.isa, composite: [1, 2, 3, 4]});
  });

  test.each(['node16', 'node10'])('TypeScript resolves the types (moduleResolution %s)', (resolution) => {
    const tsc = require.resolve('typescript/bin/tsc');
    const module = resolution === 'node16' ? 'node16' : 'commonjs';
    ok(run([process.execPath, tsc, '--noEmit', '--strict', '--skipLibCheck', '--target', 'es2022', '--module', module,
      '--moduleResolution', resolution, '--types', 'node', '--typeRoots', path.join(repoRoot, 'node_modules', '@types'),
      'typed.ts'], app, noCompilers), `tsc (${resolution})`);
  }, 60_000);

  test('--build-from-source without a compiler fails saying what to install', () => {
    const result = npm(['rebuild', 'tfjs-spatial-transformer', '--build-from-source', '--foreground-scripts'], app,
        noCompilers);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toContain('building the native addon from source FAILED');
    expect(result.stdout + result.stderr).toContain('apt-get install -y cmake g++');
  }, 120_000);

  test('a prebuilt that does not load is replaced by a cmake-js build from source', () => {
    fs.writeFileSync(path.join(installed, 'prebuilds', 'linux-x64', 'stn_native.node'), 'not an ELF file');
    const result = npm(['rebuild', 'tfjs-spatial-transformer', '--foreground-scripts'], app);
    ok(result, 'npm rebuild');
    expect(result.stdout + result.stderr).toContain('the prebuilt addon does not load here');
    expect(fs.existsSync(path.join(installed, 'build', 'Release', 'stn_native.node'))).toBe(true);
    expect(smoke(baseEnv).map((r) => r.values)).toEqual([[1, 2, 3, 4], [1, 2, 3, 4]]);
  }, 300_000);

  test('binding.gyp builds with node-gyp (offline), and the package runs on that build alone', () => {
    const nodeDir = path.dirname(path.dirname(process.execPath));
    expect(fs.existsSync(path.join(nodeDir, 'include', 'node', 'node_api.h')), 'Node headers beside node').toBe(true);
    ok(run([process.execPath, require.resolve('node-gyp/bin/node-gyp.js'), 'rebuild', `--nodedir=${nodeDir}`, '-j', '2'],
        installed), 'node-gyp rebuild');
    fs.rmSync(path.join(installed, 'prebuilds'), {recursive: true});
    expect(fs.existsSync(path.join(installed, 'build', 'Release', 'stn_native.node'))).toBe(true);
    expect(smoke(baseEnv).map((r) => r.values)).toEqual([[1, 2, 3, 4], [1, 2, 3, 4]]);
  }, 300_000);
});
