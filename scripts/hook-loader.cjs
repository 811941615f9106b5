#!/usr/bin/env node
'use strict';
// dist/hook.cjs: what every hook config calls.
// 1. dist/hook-light.cjs handles heartbeat and SessionEnd with two file writes and no database
//    (it declines every other event before reading stdin). The events it always declines skip it:
//    ROUTES is written by the build from the adapters' event tables (scripts/bundle-hook.js) and
//    sends every agent's session start to dist/hook-start.cjs, the rest to the full bundle.
// 2. dist/hook-start.cjs runs session starts only: it is a fifth smaller than the full bundle.
// 3. Everything else runs dist/hook-bundle.cjs. Either bundle a hook runs is loaded with a V8 code
//    cache, so a hook does not recompile sortie on every start. The build writes the caches by
//    running the handlers once; an install whose Node differs from the build's gets one written
//    here, once, at the end of its first hook (if dist/ is writable). A missing or rejected cache
//    only means a normal compile. An entry that declines an event hands it on (the light one to
//    the full bundle, the start one too), with the payload it already read.
const { readFileSync, writeFileSync } = require('node:fs');
const { join } = require('node:path');

const ROUTES = new Map(/*ROUTES*/ []);

/** Runs dist/<name>.cjs with its code cache; returns its exports. */
function load(name) {
  const { Script } = require('node:vm');
  const Module = require('node:module');
  const file = join(__dirname, `${name}.cjs`);
  const cacheFile = join(__dirname, `${name}.${process.arch}-${process.versions.v8}.cache`);
  const source = readFileSync(file, 'utf8').replace(/^#!.*/, '');
  let cachedData;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  const script = new Script(Module.wrap(source), { filename: file, cachedData });
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
  // The bundles sit beside this file, so this file's require resolves as a bundle's own would
  // (Module.createRequire would cost every hook a fraction of a millisecond to make the same).
  script.runInThisContext().call(mod.exports, mod.exports, require, mod, file, __dirname);
  return mod.exports;
}

/** The full bundle runs its own main. */
const full = () => load('hook-bundle');

/** An entry that may decline: its answer is an exit code, or undefined to hand the event on. */
function entry(run) {
  run(process.argv.slice(2)).then(
    (code) => (code === undefined ? full() : process.exit(code)),
    (e) => {
      process.stderr.write(`sortie: hook failed to start: ${e && e.message}\n`);
      process.exit(0);
    },
  );
}

const route = process.argv[2] === 'git' ? 'full' : ROUTES.get(`${process.argv[2]} ${process.argv[3]}`);
if (route === 'full') full();
else if (route === 'start') entry(load('hook-start').start);
else entry(require('./hook-light.cjs').light);
