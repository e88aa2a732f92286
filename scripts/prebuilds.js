#!/usr/bin/env node
// Builds the prebuilt addons shipped in the package: prebuilds/linux-x64 and
// prebuilds/linux-arm64 (N-API, stripped), so that `npm install` needs no toolchain there.
// Beside each addon goes the launcher of sandboxed children (native/launcher.c,
// seccomp-node-launcher), static and stripped, which src/children/launcher/binary.ts finds there.
// Run by `npm pack` and `npm publish` (the "prepack" script), or by hand:
//
//   node scripts/prebuilds.js [--arch x64|arm64]...     (default: both)
//
// The other architecture is cross-compiled with Debian's toolchain
// (apt-get install g++-aarch64-linux-gnu on x64; g++-x86-64-linux-gnu on arm64). Without it
// `npm pack` still works and says what it skipped; `npm publish` refuses, so a release
// always carries both. Each prebuild is checked to need nothing newer than glibc 2.28.
'use strict';
const { execFileSync, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const root = path.resolve(__dirname, '..');
const GLIBC_FLOOR = [2, 28]; // what Node 22+ itself needs
const TOOLCHAINS = {
  x64: 'x86_64-linux-gnu',
  arm64: 'aarch64-linux-gnu',
};

const has = (command) => spawnSync('sh', ['-c', `command -v ${command}`], { stdio: 'ignore' }).status === 0;

/** Compiler variables for node-gyp's make build: the host's, or the cross toolchain's. */
function toolchainEnv(arch) {
  if (arch === process.arch) return {};
  const prefix = TOOLCHAINS[arch];
  if (!has(`${prefix}-g++`)) return undefined;
  return {
    CC: `${prefix}-gcc`, CXX: `${prefix}-g++`, LINK: `${prefix}-g++`, AR: `${prefix}-ar`,
    PREBUILD_STRIP_BIN: `${prefix}-strip`,
  };
}

const LAUNCHER = 'seccomp-node-launcher';

/** The newest GLIBC_x.y symbol version the addon needs (readelf reads any architecture's ELF). */
function newestGlibc(file) {
  const text = execFileSync('readelf', ['--version-info', '--wide', file], { encoding: 'utf8' });
  const versions = [...text.matchAll(/GLIBC_(\d+)\.(\d+)/g)].map((m) => [Number(m[1]), Number(m[2])]);
  return versions.sort((a, b) => a[0] - b[0] || a[1] - b[1]).pop();
}

/** Node's own headers (Debian and NodeSource install them), so node-gyp downloads nothing. */
function headersEnv() {
  const prefix = path.resolve(process.execPath, '..', '..');
  const local = fs.existsSync(path.join(prefix, 'include', 'node', 'node_api.h'));
  return process.env.npm_config_nodedir || !local ? {} : { npm_config_nodedir: prefix };
}

function build(arch, env) {
  const prebuildify = require.resolve('prebuildify/bin.js');
  const r = spawnSync(process.execPath, [prebuildify, '--napi', '--strip', '--arch', arch],
    { cwd: root, stdio: 'inherit', env: { ...process.env, ...headersEnv(), ...env } });
  if (r.status !== 0) throw new Error(`prebuildify for linux-${arch} failed`);
  const dir = path.join(root, 'prebuilds', `linux-${arch}`);
  const file = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith('.node')));
  placeLauncher(dir, env);
  const glibc = newestGlibc(file);
  if (!glibc || glibc[0] > GLIBC_FLOOR[0] || (glibc[0] === GLIBC_FLOOR[0] && glibc[1] > GLIBC_FLOOR[1])) {
    throw new Error(`${path.relative(root, file)} needs GLIBC_${glibc?.join('.')}; at most ${GLIBC_FLOOR.join('.')} is allowed ` +
      '(see native/glibc_symbols.h)');
  }
  console.log(`seccomp-node: ${path.relative(root, file)} built (needs GLIBC_${glibc.join('.')})`);
}

/**
 * prebuildify takes the addon out of build/Release; the launcher, built by the same node-gyp
 * run, is copied beside it and stripped. It must be static: it is exec'd on machines whose
 * libraries the build never saw.
 */
function placeLauncher(dir, env) {
  const built = path.join(root, 'build', 'Release', LAUNCHER);
  if (!fs.existsSync(built)) throw new Error(`${path.relative(root, built)} was not built (binding.gyp's launcher target)`);
  const dest = path.join(dir, LAUNCHER);
  fs.copyFileSync(built, dest);
  fs.chmodSync(dest, 0o755);
  execFileSync(env.PREBUILD_STRIP_BIN || 'strip', ['--strip-all', dest]);
  const dynamic = execFileSync('readelf', ['--dynamic', '--wide', dest], { encoding: 'utf8' });
  if (/\(NEEDED\)/.test(dynamic)) throw new Error(`${path.relative(root, dest)} needs shared libraries; it must be static`);
  console.log(`seccomp-node: ${path.relative(root, dest)} placed (static, ${fs.statSync(dest).size} bytes)`);
}

function main() {
  if (process.platform !== 'linux') throw new Error('prebuilds are built on Linux');
  const { values } = parseArgs({ options: { arch: { type: 'string', multiple: true } } });
  const arches = values.arch ?? Object.keys(TOOLCHAINS);
  const publishing = process.env.npm_command === 'publish';
  // prebuildify builds in build/ and takes the result away, while the addon lookup loads
  // build/Release first: keep the local build (addon and launcher), and build the host's
  // own prebuild last.
  const local = ['seccomp_node.node', LAUNCHER].map((name) => path.join(root, 'build', 'Release', name));
  const kept = local.map((file) => (fs.existsSync(file) ? fs.readFileSync(file) : undefined));
  const ordered = [...arches.filter((a) => a !== process.arch), ...arches.filter((a) => a === process.arch)];
  try {
    buildAll(ordered, publishing);
  } finally {
    local.forEach((file, i) => { if (kept[i]) fs.writeFileSync(file, kept[i], { mode: 0o755 }); });
  }
}

function buildAll(ordered, publishing) {
  for (const arch of ordered) {
    if (!TOOLCHAINS[arch]) throw new Error(`unknown arch ${arch}: use ${Object.keys(TOOLCHAINS).join(' or ')}`);
    const env = toolchainEnv(arch);
    if (!env) {
      const message = `no ${TOOLCHAINS[arch]}-g++ to cross-compile prebuilds/linux-${arch} ` +
        `(Debian: apt-get install g++-${TOOLCHAINS[arch].replace(/_/g, '-')})`;
      if (publishing) throw new Error(`${message}; a release must carry it`);
      console.warn(`seccomp-node: skipped linux-${arch}: ${message}`);
      continue;
    }
    build(arch, env);
  }
}

try {
  main();
} catch (error) {
  console.error(`seccomp-node: ${error.message}`);
  process.exit(1);
}
