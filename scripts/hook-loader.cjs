#!/usr/bin/env node
'use strict';
// dist/hook.cjs: what every hook config calls. It runs dist/hook-bundle.cjs with the V8 code cache
// written at build time, so a hook does not recompile sortie on every start (a few milliseconds of
// each hook). If the cache is missing or V8 rejects it (another Node version), the bundle simply
// compiles as usual.
const { readFileSync } = require('node:fs');
const { join } = require('node:path');
const { Script } = require('node:vm');
const Module = require('node:module');

const bundle = join(__dirname, 'hook-bundle.cjs');
const source = readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
let cachedData;
try {
  cachedData = readFileSync(join(__dirname, `hook-bundle.${process.arch}-${process.versions.v8}.cache`));
} catch {
  cachedData = undefined;
}
const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
const mod = { exports: {} };
script.runInThisContext().call(mod.exports, mod.exports, Module.createRequire(bundle), mod, bundle, __dirname);
