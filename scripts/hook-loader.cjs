#!/usr/bin/env node
'use strict';
// dist/hook.cjs: what every hook config calls.
// 1. dist/hook-light.cjs handles heartbeat and SessionEnd with two file writes and no database
//    (it declines every other event before reading stdin). The events it always declines (every
//    agent's start, and pre-compactions it cannot gate) skip it: FULL is written by the build from
//    the adapters' event tables (scripts/bundle-hook.js), which saves compiling it on their path.
// 2. Everything else runs dist/hook-bundle.cjs with a V8 code cache, so a hook does not recompile
//    sortie on every start. The build writes the cache by running every handler once; an install
//    whose Node differs from the build's gets one written here, once, at the end of its first hook
//    (if dist/ is writable). A missing or rejected cache only means a normal compile.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const FULL = new Set(/*FULL_EVENTS*/ []);

function full() {
  const { Script } = require('node:vm');
  const Module = require('node:module');
  const bundle = join(__dirname, 'hook-bundle.cjs');
  const cacheFile = join(__dirname, `hook-bundle.${process.arch}-${process.versions.v8}.cache`);
  const source = readFileSync(bundle, 'utf8').replace(/^#!.*/, '');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename: bundle, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      try {
        writeFileSync(cacheFile, script.createCachedData());
      } catch {
        // read-only install: compile each time, as without a cache
      }
    });
  }
  const mod = { exports: {} };
  // The bundle sits beside this file, so this file's require resolves as the bundle's own would
  // (Module.createRequire would cost every hook a fraction of a millisecond to make the same).
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, bundle, __dirname);
}

if (process.argv[2] === 'git' || FULL.has(`${process.argv[2]} ${process.argv[3]}`)) full();
else {
  require('./hook-light.cjs')
    .light(process.argv.slice(2))
    .then(
      (code) => (code === undefined ? full() : process.exit(code)),
      (e) => {
        process.stderr.write(`sortie: hook failed to start: ${e && e.message}\n`);
        process.exit(0);
      },
    );
}
