'use strict';
// The package's install step. The npm package ships a prebuilt addon for
// linux-x64 (prebuilds/, made by scripts/prebuild.js). When it loads here (tried
// in a child process) there is nothing to do; otherwise, or when asked with
// `npm install --build-from-source` or STN_BUILD_FROM_SOURCE=1, the addon is
// built from source with cmake-js into build/Release, which the loader
// (lib/native.ts) tries first. A failed build says what to install.
const {spawnSync} = require('child_process');
const fs = require('fs');
const path = require('path');

const root = path.join(__dirname, '..');
const platform = `${process.platform}-${process.arch}`;
const prebuilt = path.join(root, 'prebuilds', platform, 'stn_native.node');

function log(message) {
  console.error(`tfjs-spatial-transformer: ${message}`);
}

function buildFromSourceRequested() {
  const flag = process.env.npm_config_build_from_source;
  return flag === 'true' || flag === '' || flag === 'tfjs-spatial-transformer' ||
      process.env.STN_BUILD_FROM_SOURCE === '1';
}

/** Loads the prebuilt addon in a child process; returns null when it loads, else why not. */
function loadError(file) {
  const run = spawnSync(process.execPath, ['-e', 'require(process.argv[1])', file], {encoding: 'utf8'});
  if (run.status === 0) return null;
  return (run.stderr || run.error?.message || `exit code ${run.status}`).trim().split('\n')
      .find((line) => /Error|error:/.test(line)) || `exit code ${run.status}`;
}

function buildFromSource() {
  log('building the native addon from source with cmake-js');
  const cmakeJs = require.resolve('cmake-js/bin/cmake-js');
  const build = spawnSync(process.execPath, [cmakeJs, 'compile'], {cwd: root, stdio: 'inherit'});
  if (build.status === 0) return;
  log([
    'building the native addon from source FAILED.',
    'It needs cmake >= 3.19 and a C++17 compiler with OpenMP on the PATH:',
    '  Debian/Ubuntu: apt-get install -y cmake g++',
    '  Fedora/RHEL:   dnf install -y cmake gcc-c++ libgomp',
    '  Alpine:        apk add cmake g++ make libgomp',
    '  macOS:         brew install cmake libomp',
    `The prebuilt binary covers linux-x64 (glibc >= 2.34); this machine is ${platform}.`,
  ].join('\n'));
  process.exit(build.status || 1);
}

function main() {
  if (buildFromSourceRequested()) {
    buildFromSource();
    return;
  }
  if (fs.existsSync(prebuilt)) {
    const error = loadError(prebuilt);
    if (error === null) {
      log(`using the prebuilt addon (${path.relative(root, prebuilt)})`);
      return;
    }
    log(`the prebuilt addon does not load here (${error}); building from source instead`);
  }
  buildFromSource();
}

main();
