'use strict';
// @tensorflow/tfjs-node's install script downloads libtensorflow from a CDN and
// skips the download when deps/lib/libtensorflow.so.<version> already exists.
// npm runs every dependency's preinstall before any install script, so this
// package (a devDependency of the project) can fill deps/ first when the CDN is
// unreachable, from the tensorflow-cpu wheel that pip resolves from a local
// index. Online, it does nothing and tfjs-node installs the normal way.
const fs = require('fs');
const https = require('https');
const os = require('os');
const path = require('path');
const {execFileSync} = require('child_process');

const CDN = 'https://storage.googleapis.com/';

function log(msg) {
  console.error(`[tfjs-node-offline] ${msg}`);
}

function findTfjsNode() {
  // With install-links this package is copied to node_modules/<name>/.
  const candidates = [
    path.resolve(__dirname, '..', '@tensorflow', 'tfjs-node'),
    path.resolve(process.env.INIT_CWD || process.cwd(), 'node_modules', '@tensorflow', 'tfjs-node'),
  ];
  return candidates.find((dir) => fs.existsSync(path.join(dir, 'package.json')));
}

function cdnReachable() {
  return new Promise((resolve) => {
    const req = https.request(CDN, {method: 'HEAD', timeout: 5000}, (res) => {
      res.resume();
      resolve(true);
    });
    req.on('timeout', () => req.destroy(new Error('timeout')));
    req.on('error', () => resolve(false));
    req.end();
  });
}

const EXTRACT = String.raw`
import glob, os, shutil, sys, zipfile
wheel, dest = sys.argv[1], sys.argv[2]
libs = ('libtensorflow_cc.so.2', 'libtensorflow_framework.so.2')
headers = ('tensorflow/c/', 'tensorflow/core/platform/', 'tsl/', 'xla/tsl/')
with zipfile.ZipFile(wheel) as z:
    for info in z.infolist():
        name = info.filename
        if name.endswith('/'):
            continue
        if name.startswith('tensorflow/') and name.count('/') == 1 and name[len('tensorflow/'):] in libs:
            target = os.path.join(dest, 'lib', os.path.basename(name))
        elif name.startswith('tensorflow/include/') and name[len('tensorflow/include/'):].startswith(headers):
            target = os.path.join(dest, 'include', name[len('tensorflow/include/'):])
        else:
            continue
        os.makedirs(os.path.dirname(target), exist_ok=True)
        with z.open(info) as src, open(target, 'wb') as out:
            shutil.copyfileobj(src, out)
`;

function fillFromWheel(depsDir, version) {
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tfjs-node-deps-'));
  try {
    log('CDN unreachable: taking libtensorflow from the tensorflow-cpu wheel (pip)');
    execFileSync('python3', ['-m', 'pip', 'download', 'tensorflow-cpu', '--no-deps',
      '--only-binary=:all:', '--retries', '0', '--quiet', '-d', tmp], {stdio: 'inherit'});
    const wheel = fs.readdirSync(tmp).find((f) => f.endsWith('.whl'));
    if (!wheel) throw new Error('pip downloaded no tensorflow-cpu wheel');
    const staging = path.join(tmp, 'deps');
    execFileSync('python3', ['-c', EXTRACT, path.join(tmp, wheel), staging], {stdio: 'inherit'});
    const lib = path.join(staging, 'lib');
    for (const link of ['libtensorflow.so', 'libtensorflow.so.2', `libtensorflow.so.${version}`]) {
      fs.symlinkSync('libtensorflow_cc.so.2', path.join(lib, link));
    }
    for (const link of ['libtensorflow_framework.so', `libtensorflow_framework.so.${version}`]) {
      fs.symlinkSync('libtensorflow_framework.so.2', path.join(lib, link));
    }
    fs.rmSync(depsDir, {recursive: true, force: true});
    fs.renameSync(staging, depsDir);
    log(`filled ${depsDir} from ${wheel}`);
  } finally {
    fs.rmSync(tmp, {recursive: true, force: true});
  }
}

async function main() {
  const tfjsNode = findTfjsNode();
  if (!tfjsNode) {
    log('@tensorflow/tfjs-node is not in node_modules; nothing to do');
    return;
  }
  const {LIBTENSORFLOW_VERSION: version, depsLibTensorFlowPath} =
      require(path.join(tfjsNode, 'scripts', 'deps-constants.js'));
  if (fs.existsSync(depsLibTensorFlowPath)) return;
  if (process.env.STN_TFJS_FROM_WHEEL !== '1' && await cdnReachable()) return;
  fillFromWheel(path.join(tfjsNode, 'deps'), version);
}

main().catch((err) => {
  log(`failed: ${err.message}`);
  process.exit(1);
});
