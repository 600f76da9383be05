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
require('./main.ts').main(process.argv.slice(2)).catch((err) => {
  console.error(err && err.stack || err);
  process.exit(1);
});
