import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let cached: string | undefined;

/** The hook bundle's folder (its `__dirname`, defined by scripts/bundle-hook.js); not defined in the ES modules. */
declare const __SORTIE_BUNDLE_DIR__: string | undefined;

/**
 * The folder of the code running: dist/ for the hook bundle (its plain __dirname, where a URL
 * round trip would cost a hook most of a millisecond), this module's folder otherwise.
 */
export function codeDir(): string {
  return typeof __SORTIE_BUNDLE_DIR__ === 'string' ? __SORTIE_BUNDLE_DIR__ : dirname(fileURLToPath(import.meta.url));
}

/**
 * The installed package's root (the folder holding presets/, dist/, bin/). Found by walking up from
 * this file because the same code runs from dist/<module>.js and from the bundled dist/hook.cjs.
 */
export function packageRoot(): string {
  if (cached) return cached;
  const start = codeDir();
  let dir = start;
  for (let i = 0; i < 4; i++) {
    if (existsSync(join(dir, 'presets')) && existsSync(join(dir, 'package.json'))) return (cached = dir);
    dir = dirname(dir);
  }
  return (cached = join(start, '..'));
}
