import { join, relative, sep } from 'node:path';
import { packageRoot } from '../package-root.js';

/** The package root of the running sortie (the folder holding dist/, presets/, hooks/). */
export const PACKAGE_ROOT = packageRoot();
/** The bundled hook entry every hook config calls (built by scripts/bundle-hook.js). */
export const HOOK_ENTRY = join(PACKAGE_ROOT, 'dist', 'hook.cjs');

/**
 * How a committed hook config should name the hook entry: relative to the project when sortie is
 * installed in the project's node_modules (so the file works on every clone), else absolute.
 */
export function hookEntryFor(projectRoot: string, projectVar: string): { path: string; portable: boolean } {
  const rel = relative(projectRoot, HOOK_ENTRY);
  if (!rel.startsWith('..') && rel.split(sep)[0] === 'node_modules') return { path: `${projectVar}/${rel.split(sep).join('/')}`, portable: true };
  return { path: HOOK_ENTRY, portable: false };
}
