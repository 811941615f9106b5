import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/**
 * The installed package's root (the folder holding presets/, dist/, bin/). Found by walking up from
 * this file because the same code runs from dist/<module>.js and from the bundled dist/hook.cjs.
 */
export function packageRoot(): string {
  if (cached) return cached;
  const start = dirname(fileURLToPath(import.meta.url));
  let dir = start;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'presets')) && existsSync(join(dir, 'package.json'))) return (cached = dir);
    dir = dirname(dir);
  }
  return (cached = join(start, '..'));
}
