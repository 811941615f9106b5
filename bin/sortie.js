#!/usr/bin/env node
// Shim: all logic lives in dist/cli.js, which owns the exit code.
import { main } from '../dist/cli.js';

// `sortie log | head` closes the pipe early: that is the reader's choice, not an error.
process.stdout.on('error', (e) => {
  if (e.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw e;
});

process.exitCode = await main(process.argv.slice(2));
