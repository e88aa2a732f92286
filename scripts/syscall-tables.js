#!/usr/bin/env node
// Generates src/syscall-tables.ts, the syscall name <-> number tables of every architecture
// seccomp-node compiles for, from the kernel's own syscall tables. seccomp-node resolves
// names with these tables, not with the installed libseccomp, whose list stops at its
// release (Debian 12's 2.5.4 does not know mseal).
//
//   node scripts/syscall-tables.js --kernel /path/to/linux [--out FILE]
//
// --kernel is a Linux source tree, 6.11 or later (arm64 and riscv read scripts/syscall.tbl
// since 6.11). Only the files below are read, so a directory holding just them, at the same
// relative paths, works too. Nothing is downloaded: get a tree from your distribution
// (Debian: apt-get install linux-source-X.Y) or from kernel.org.
//
// The committed tables came from the Linux 6.19.9 release source tree (VERSION 6,
// PATCHLEVEL 19, SUBLEVEL 9 in its Makefile). Regenerate them when a kernel adds system
// calls, and commit the result together with the kernel version it names.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { parseArgs } = require('node:util');

const X32_SYSCALL_BIT = 0x40000000;

/** Where each architecture's table lives and which of its ABI columns the 64-bit (or EABI) kernel builds. */
const ARCHES = {
  x86_64: { tbl: 'arch/x86/entry/syscalls/syscall_64.tbl', abis: ['common', '64'] },
  x32: { tbl: 'arch/x86/entry/syscalls/syscall_64.tbl', abis: ['common', 'x32'], bit: X32_SYSCALL_BIT },
  i386: { tbl: 'arch/x86/entry/syscalls/syscall_32.tbl', abis: ['i386'] },
  aarch64: { tbl: 'scripts/syscall.tbl', abis: ['common', '64'], makefile: 'arch/arm64/kernel/Makefile.syscalls' },
  arm: { tbl: 'arch/arm/tools/syscall.tbl', abis: ['common', 'eabi'], armPrivate: 'arch/arm/include/uapi/asm/unistd.h' },
  riscv64: { tbl: 'scripts/syscall.tbl', abis: ['common', '64'], makefile: 'arch/riscv/kernel/Makefile.syscalls' },
  ppc64le: { tbl: 'arch/powerpc/kernel/syscalls/syscall.tbl', abis: ['common', '64', 'nospu'] },
  s390x: { tbl: 'arch/s390/kernel/syscalls/syscall.tbl', abis: ['common', '64'] },
};

function read(root, file) {
  const full = path.join(root, file);
  if (!fs.existsSync(full)) throw new Error(`${full} is missing: --kernel must name a Linux 6.11+ source tree`);
  return fs.readFileSync(full, 'utf8');
}

/** "VERSION = 6" ... from the top Makefile, e.g. "6.19.9". */
function kernelVersion(root) {
  const makefile = read(root, 'Makefile');
  const field = (name) => (new RegExp(`^${name}[ \\t]*=[ \\t]*(\\S*)`, 'm').exec(makefile) ?? [])[1] ?? '';
  return `${field('VERSION')}.${field('PATCHLEVEL')}.${field('SUBLEVEL')}${field('EXTRAVERSION')}`;
}

/** The extra ABI columns an asm-generic architecture selects (syscall_abis_64 += ...). */
function extraAbis(root, makefile) {
  const abis = [];
  for (const m of read(root, makefile).matchAll(/^syscall_abis_64\s*\+=(.*)$/gm)) abis.push(...m[1].trim().split(/\s+/).filter(Boolean));
  return abis;
}

/** ARM's private calls (cacheflush, set_tls...) sit outside syscall.tbl, at __ARM_NR_BASE + n. */
function armPrivate(root, header) {
  const out = [];
  const ARM_NR_BASE = 0x0f0000; // __NR_SYSCALL_BASE is 0 for EABI
  for (const m of read(root, header).matchAll(/^#define\s+__ARM_NR_(\w+)\s+\(__ARM_NR_BASE\s*\+\s*(\d+)\)/gm)) {
    out.push([m[1], ARM_NR_BASE + Number(m[2])]);
  }
  if (out.length === 0) throw new Error(`${header} defines no __ARM_NR_ calls`);
  return out;
}

/** Rows "<nr> <abi> <name> [entry...]" of the selected ABIs, as [name, nr]. */
function tableEntries(root, arch, spec) {
  const abis = new Set([...spec.abis, ...(spec.makefile ? extraAbis(root, spec.makefile) : [])]);
  const entries = [];
  for (const line of read(root, spec.tbl).split('\n')) {
    const fields = line.replace(/#.*/, '').trim().split(/\s+/);
    if (fields.length < 3) continue;
    const [nr, abi, name] = fields;
    if (!/^\d+$/.test(nr)) throw new Error(`${spec.tbl}: unexpected line "${line}"`);
    if (abis.has(abi)) entries.push([name, Number(nr) | (spec.bit ?? 0)]);
  }
  if (spec.armPrivate) entries.push(...armPrivate(root, spec.armPrivate));
  const seen = new Map();
  for (const [name, nr] of entries) {
    if (seen.has(name)) throw new Error(`${arch}: ${name} appears twice (${seen.get(name)} and ${nr})`);
    seen.set(name, nr);
  }
  return entries.sort((a, b) => a[1] - b[1] || (a[0] < b[0] ? -1 : 1));
}

/**
 * One architecture's table as text: names in number order, whitespace-separated; a name's
 * number is the previous one's plus one (the first's 0) unless written `NUMBER:name`.
 * Decoded by decodeSyscallTable (src/syscalls.ts) on first use of the architecture: a few
 * strings load much faster than objects of a few thousand properties, at every start.
 */
function encodeTable(entries) {
  // x32 numbers and ARM's private calls read better in hex (0x40000200, 0xf0002).
  const number = (nr) => (nr >= 0x10000 ? `0x${nr.toString(16)}` : String(nr));
  const tokens = [];
  let next = 0;
  for (const [name, nr] of entries) {
    if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error(`unexpected syscall name ${JSON.stringify(name)}`);
    if (nr < next) throw new Error(`${name}: numbers must increase (${nr} after ${next - 1})`);
    tokens.push(nr === next ? name : `${number(nr)}:${name}`);
    next = nr + 1;
  }
  const lines = [];
  for (const token of tokens) {
    if (lines.length && lines[lines.length - 1].length + token.length < 100) lines[lines.length - 1] += ` ${token}`;
    else lines.push(token);
  }
  return lines.join('\n');
}

function render(version, tables) {
  const lines = [
    '/*',
    ` * Generated by scripts/syscall-tables.js from the syscall tables of Linux ${version}`,
    ' * (arch/x86/entry/syscalls/syscall_{64,32}.tbl, scripts/syscall.tbl with the arm64 and riscv',
    ' * ABI selections, arch/arm/tools/syscall.tbl and the __ARM_NR_ calls of its uapi unistd.h,',
    ' * arch/powerpc/kernel/syscalls/syscall.tbl, arch/s390/kernel/syscalls/syscall.tbl).',
    ' * Do not edit: regenerate with `node scripts/syscall-tables.js --kernel <linux source tree>`.',
    ' * x32 numbers include the x32 bit (0x40000000), as seccomp sees them.',
    ' */',
    '',
    '/** The kernel release these tables were generated from. */',
    `export const KERNEL_VERSION = '${version}';`,
    '',
    '/**',
    ' * Syscall names by architecture, in number order: a name\'s number is the previous one\'s plus',
    ' * one (the first\'s 0), unless it is written `NUMBER:name`. Decoded on first use of an',
    ' * architecture by decodeSyscallTable (src/syscalls.ts).',
    ' */',
    'export const SYSCALL_TABLES: Readonly<Record<string, string>> = {',
  ];
  for (const [arch, entries] of Object.entries(tables)) lines.push(`  ${arch}: \`\n${encodeTable(entries)}\`,`);
  lines.push('};', '');
  return lines.join('\n');
}

function main() {
  const { values } = parseArgs({ options: { kernel: { type: 'string' }, out: { type: 'string' } } });
  if (!values.kernel) {
    console.error('usage: node scripts/syscall-tables.js --kernel /path/to/linux [--out FILE]');
    process.exit(2);
  }
  const version = kernelVersion(values.kernel);
  const tables = Object.fromEntries(Object.entries(ARCHES).map(([arch, spec]) => [arch, tableEntries(values.kernel, arch, spec)]));
  const out = values.out ?? path.join(__dirname, '..', 'src', 'syscall-tables.ts');
  fs.writeFileSync(out, render(version, tables));
  const counts = Object.entries(tables).map(([arch, entries]) => `${arch} ${entries.length}`).join(', ');
  console.log(`wrote ${path.relative(process.cwd(), out)} from Linux ${version}: ${counts}`);
}

main();
