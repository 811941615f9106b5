// Preloaded into a measured process (NODE_OPTIONS=--import): writes its peak RSS when it exits.
import { appendFileSync } from 'node:fs';

const out = process.env.SORTIE_BENCH_RSS;
if (out) process.on('exit', () => appendFileSync(out, `${process.resourceUsage().maxRSS}\n`));
