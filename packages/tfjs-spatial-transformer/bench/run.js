#!/usr/bin/env node
'use strict';
// `npm run bench`: runs bench/main.ts with node, after `npm run build:native`.
// TypeScript sources (bench/ and lib/) are transpiled in memory by the
// project's own TypeScript (a devDependency) when required, so the bench
// needs no separate build step and always runs the current lib/.
const fs = require('fs');
const ts = require('typescript');

process.env.TF_CPP_MIN_LOG_LEVEL = process.env.TF_CPP_MIN_LOG_LEVEL || '2';
require.extensions['.ts'] = (module, filename) => {
  const {outputText} = ts.transpileModule(fs.readFileSync(filename, 'utf8'), {
    fileName: filename,
    compilerOptions: {module: ts.ModuleKind.CommonJS, target: ts.ScriptTarget.ES2022,
      esModuleInterop: true},
  });
  module._compile(outputText, filename);
};
// `node bench/run.js train-step [flags]` runs bench/train_step.ts instead.
const [entry, args] = process.argv[2] === 'train-step' ?
  ['./train_step.ts', process.argv.slice(3)] : ['./main.ts', process.argv.slice(2)];
require(entry).main(args).catch((err) => {
  console.error(err && err.stack || err);
  process.exit(1);
});
