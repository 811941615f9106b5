#!/usr/bin/env node
// Shim: all logic lives in dist/cli.js, which owns the exit code.
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2));
