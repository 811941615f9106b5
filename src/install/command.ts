import { accessSync, constants, existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { projectInstallDir } from './paths.js';

/** Every command sortie writes into an agent's config ends with this marker, so uninstall removes exactly its own entries. */
export const MARK = '# sortie-hook';

/** The second bin of the package (package.json `bin`): the hook entry, for a global install. */
export const HOOK_BIN = 'sortie-hook';

/** The one line said when no sortie can be found: what to install, for a JavaScript team and for any other. */
export const NOT_INSTALLED = 'sortie: not installed here (npm i -D sortie in a JavaScript project, or npm i -g sortie); continuing';

/**
 * The one shell command line every agent's hook config runs for one event. It names nothing of
 * this machine, so the committed config is the same for every teammate, and sortie is found when
 * the hook runs:
 * 1. the project's install, `<project>/node_modules/sortie/dist/hook.cjs` (npm, pnpm's symlinked
 *    node_modules, yarn's node-modules linker, bun), run by node directly (no npx, which costs
 *    hundreds of milliseconds);
 * 2. else a global install: the `sortie-hook` bin on PATH (no `node -e` resolution);
 * 3. else one line on stderr saying what to install, and the agent goes on (exit 0).
 * `projectVar` is how the agent's environment names the project folder (`$CLAUDE_PROJECT_DIR`,
 * ...). `from` is where init runs (a package of a workspace may hold sortie in its own
 * node_modules); it defaults to the project root. Every agent adapter builds its entries with this
 * function, so how sortie is found at run time is decided here only.
 */
export function hookCommand(root: string, agent: string, event: string, projectVar: string, from: string = root): string {
  const path = `${projectVar}/${projectInstallDir(root, from)}/dist/hook.cjs`;
  const args = `${agent} ${event}`;
  return `f="${path}"; [ -f "$f" ] && exec node "$f" ${args}; command -v ${HOOK_BIN} >/dev/null 2>&1 && exec ${HOOK_BIN} ${args}; echo "${NOT_INSTALLED}" >&2 ${MARK}`;
}

export function isSortieCommand(command: unknown): boolean {
  return typeof command === 'string' && command.includes(MARK);
}

/** The project-relative install a command line looks for first (`node_modules/sortie`, or a workspace package's). */
export function commandInstallDir(command: string, projectVar: string): string | undefined {
  const m = /f="([^"]+)\/dist\/hook\.cjs"/.exec(command);
  if (!m?.[1]?.startsWith(`${projectVar}/`)) return undefined;
  return m[1].slice(projectVar.length + 1);
}

/** A program on PATH, found the way the shell's `command -v` finds it (no process). */
export function onPath(name: string, env: Record<string, string | undefined>): string | undefined {
  for (const dir of (env.PATH ?? '').split(':')) {
    if (!dir) continue;
    const p = `${dir}/${name}`;
    try {
      accessSync(p, constants.X_OK);
      if (statSync(p).isFile()) return p;
    } catch {
      // not here
    }
  }
  return undefined;
}

/**
 * What a hook command line would run on this machine now: the project's install, the global
 * `sortie-hook`, or nothing (it would print NOT_INSTALLED). For doctor.
 */
export function resolveHookCommand(command: string, projectVar: string, root: string, env: Record<string, string | undefined>): { via: 'project' | 'global'; path: string } | undefined {
  const dir = commandInstallDir(command, projectVar);
  if (dir !== undefined) {
    const entry = join(root, dir, 'dist', 'hook.cjs');
    if (existsSync(entry)) return { via: 'project', path: entry };
  }
  const bin = command.includes(`exec ${HOOK_BIN} `) ? onPath(HOOK_BIN, env) : undefined;
  return bin ? { via: 'global', path: bin } : undefined;
}
