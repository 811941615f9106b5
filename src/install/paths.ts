import { realpathSync } from 'node:fs';
import { dirname, join, relative, sep } from 'node:path';
import { packageRoot } from '../package-root.js';

/** The package root of the running sortie (the folder holding dist/, presets/, hooks/). */
export const PACKAGE_ROOT = packageRoot();
/** The bundled hook entry every hook config calls (built by scripts/bundle-hook.js). */
export const HOOK_ENTRY = join(PACKAGE_ROOT, 'dist', 'hook.cjs');

function real(p: string): string | undefined {
  try {
    return realpathSync(p);
  } catch {
    return undefined;
  }
}

/**
 * Where a committed config looks for the project's install of sortie, relative to the project
 * root, with `/`: `node_modules/sortie`, or `packages/app/node_modules/sortie` when the running
 * sortie is installed in the workspace package `from` is in (and not at the root). pnpm links
 * node_modules/sortie to its store, so the link is compared by real path, and the link's path (not
 * the store's, which names a version) is what is written. Anything else (a global install, a
 * checkout) gets the default: what a teammate's install of the project would make.
 */
export function projectInstallDir(root: string, from: string = root): string {
  const me = real(PACKAGE_ROOT);
  let dir = from;
  for (let i = 0; i < 64; i++) {
    const rel = relative(root, dir);
    if (rel.startsWith('..')) break;
    const candidate = join(dir, 'node_modules', 'sortie');
    if (me && real(candidate) === me) return relative(root, candidate).split(sep).join('/');
    if (rel === '') break;
    dir = dirname(dir);
  }
  return 'node_modules/sortie';
}
