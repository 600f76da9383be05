#!/usr/bin/env node
'use strict';
// `npm run bench`: type-checks bench/main.ts and everything it imports (lib/
// included) with the project's tsconfig.test.json, then runs exactly the
// JavaScript that this checked program emits, in memory. A type error stops
// the bench before it starts; there is no separate build step, and the bench
// always runs the current lib/.
const fs = require('fs');
const path = require('path');
const ts = require('typescript');

const root = path.join(__dirname, '..');

// The bench's jobs: `node bench/run.js [job] [flags]` (no job: main).
const ENTRIES = {main: 'main.ts', 'train-step': 'train_step.ts', warps: 'warps.ts'};

/** The emitted JavaScript of the jobs' program, by source path; exits on a type error. */
function checkedProgram() {
  const config = ts.getParsedCommandLineOfConfigFile(path.join(root, 'tsconfig.test.json'), {}, {
    ...ts.sys, onUnRecoverableConfigFileDiagnostic: (d) => fail([d]),
  });
  if (config.errors.length > 0) fail(config.errors);
  const options = {...config.options, noEmit: false, declaration: false, sourceMap: false,
    outDir: undefined, rootDir: undefined};
  const program = ts.createProgram(Object.values(ENTRIES).map((f) => path.join(__dirname, f)), options);
  const diagnostics = ts.getPreEmitDiagnostics(program);
  if (diagnostics.length > 0) fail(diagnostics);
  const emitted = new Map();
  program.emit(undefined, (file, text) => emitted.set(path.resolve(file), text));
  return emitted;
}

function fail(diagnostics) {
  console.error(ts.formatDiagnosticsWithColorAndContext(diagnostics, {
    getCanonicalFileName: (f) => f, getCurrentDirectory: () => root, getNewLine: () => '\n',
  }));
  console.error('bench: type errors (above); fix them and run again');
  process.exit(1);
}

const emitted = checkedProgram();
process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
require.extensions['.ts'] = (module, filename) => {
  const js = emitted.get(filename.replace(/\.ts$/, '.js'));
  if (js === undefined) throw new Error(`bench: ${filename} is not part of the checked program`);
  module._compile(js, filename);
};
const job = Object.hasOwn(ENTRIES, process.argv[2]) ? process.argv[2] : 'main';
const args = process.argv.slice(job === 'main' && process.argv[2] !== 'main' ? 2 : 3);
require(`./${ENTRIES[job]}`).main(args).catch((err) => {
  console.error(err && err.stack || err);
  process.exit(1);
});
