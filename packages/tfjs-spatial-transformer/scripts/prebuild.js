'use strict';
// `npm pack` / `npm publish` (prepack): builds the linux-x64 addon that the
// npm package ships in prebuilds/linux-x64/: Release, stripped, with a copy of
// the build machine's libgomp.so.1 beside it (the addon's RUNPATH is $ORIGIN),
// so the package installs without a compiler or libgomp. Then it loads the
// result in a child process and checks that libgomp resolves to the copy.
// It also copies the repository's README.md and LICENSE into the package.
// `--clean` (postpack) removes them and prebuilds/ again, so that a later
// install in this checkout builds from source.
const {execFileSync, spawnSync} = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const platform = `${process.platform}-${process.arch}`;
const outDir = path.join(root, 'prebuilds', platform);
const REPO_FILES = ['README.md', 'LICENSE'];  // from the repository root, shipped with the package

function log(message) {
  console.error(`[prebuild] ${message}`);
}

function run(command, args, options = {}) {
  const result = spawnSync(command, args, {cwd: root, stdio: 'inherit', ...options});
  if (result.status !== 0) {
    throw new Error(`${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`);
  }
}

/** Whether version a (numbers) is newer than b. */
function newer(a, b) {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    if ((a[i] ?? 0) !== (b[i] ?? 0)) return (a[i] ?? 0) > (b[i] ?? 0);
  }
  return false;
}

/** The newest GLIBC_ and GLIBCXX_ symbol versions the shipped files need, e.g. ['GLIBC_2.34', 'GLIBCXX_3.4.21']. */
function runtimeNeeds(dir) {
  const newest = {};
  for (const file of fs.readdirSync(dir)) {
    const symbols = execFileSync('objdump', ['-T', path.join(dir, file)], {encoding: 'utf8'});
    for (const [, name, version] of symbols.matchAll(/\((GLIBCXX|GLIBC)_([\d.]+)\)/g)) {
      const parts = version.split('.').map(Number);
      if (newest[name] === undefined || newer(parts, newest[name])) newest[name] = parts;
    }
  }
  return Object.entries(newest).map(([name, parts]) => `${name}_${parts.join('.')}`).sort();
}

function main() {
  if (process.argv.includes('--clean')) {
    fs.rmSync(path.join(root, 'prebuilds'), {recursive: true, force: true});
    for (const file of REPO_FILES) fs.rmSync(path.join(root, file), {force: true});
    return;
  }
  for (const file of REPO_FILES) fs.copyFileSync(path.join(root, '..', '..', file), path.join(root, file));
  if (platform !== 'linux-x64') {
    log(`no prebuilt binary for ${platform}: the package will build from source on install`);
    return;
  }
  const buildDir = path.join(root, 'build', 'prebuild');
  run(process.execPath, [require.resolve('cmake-js/bin/cmake-js'), 'compile', '--out', buildDir,
    '--CDSTN_PREBUILD=ON']);
  fs.rmSync(outDir, {recursive: true, force: true});
  fs.mkdirSync(outDir, {recursive: true});
  const addon = path.join(outDir, 'stn_native.node');
  fs.copyFileSync(path.join(buildDir, 'Release', 'stn_native.node'), addon);
  run('strip', ['--strip-unneeded', addon]);
  const libgomp = execFileSync('c++', ['-print-file-name=libgomp.so.1'], {encoding: 'utf8'}).trim();
  if (!path.isAbsolute(libgomp)) throw new Error('c++ -print-file-name=libgomp.so.1 found no libgomp');
  fs.copyFileSync(fs.realpathSync(libgomp), path.join(outDir, 'libgomp.so.1'));

  const ldd = execFileSync('ldd', [addon], {encoding: 'utf8'});
  const gomp = /libgomp\.so\.1 => (\S+)/.exec(ldd)?.[1];
  if (gomp !== path.join(outDir, 'libgomp.so.1')) {
    throw new Error(`the prebuilt addon resolves libgomp.so.1 to ${gomp}, not the copy beside it:\n${ldd}`);
  }
  run(process.execPath, ['-e', 'require(process.argv[1])', addon]);
  const kb = (file) => `${Math.round(fs.statSync(file).size / 1024)} kB`;
  log(`${path.relative(root, addon)} (${kb(addon)}) and libgomp.so.1 (${kb(path.join(outDir, 'libgomp.so.1'))})`);
  log(`run-time needs: ${runtimeNeeds(outDir).join(', ')}`);
}

try {
  main();
} catch (err) {
  log(`FAILED: ${err.message}`);
  process.exit(1);
}
