import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { join } from 'node:path';
import type { Env } from '../git.js';
import { PACKAGE_ROOT } from './paths.js';

export type ManagerName = 'npm' | 'pnpm' | 'yarn' | 'bun';

export interface PackageManager {
  name: ManagerName;
  /** yarn 2+ (berry). */
  berry: boolean;
  /** yarn berry with Plug'n'Play (no node_modules). */
  pnp: boolean;
  /** How it was told: the running command's user agent, a lockfile, package.json's packageManager, or where sortie is installed. */
  from: 'user-agent' | 'lockfile' | 'packageManager' | 'install path' | 'default';
}

function read(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

function yarnFlavour(root: string, major: number | undefined): { berry: boolean; pnp: boolean } {
  const rc = read(join(root, '.yarnrc.yml'));
  const lock = read(join(root, 'yarn.lock'));
  const berry = (major !== undefined && major >= 2) || rc !== undefined || Boolean(lock?.includes('__metadata:'));
  const linker = rc ? /^nodeLinker:\s*["']?([\w-]+)/m.exec(rc)?.[1] : undefined;
  // Berry's default linker is pnp; a .pnp.cjs says it is in use.
  const pnp = berry && (linker ? linker === 'pnp' : existsSync(join(root, '.pnp.cjs')) || !existsSync(join(root, 'node_modules')));
  return { berry, pnp };
}

/** The package manager the project uses (to name fixes in its own terms, and to pick the install script). */
export function detectPackageManager(root: string, env: Env): PackageManager | undefined {
  const ua = /^(npm|pnpm|yarn|bun)\/(\d+)/.exec(env.npm_config_user_agent ?? '');
  if (ua) {
    const name = ua[1] as ManagerName;
    return { name, ...(name === 'yarn' ? yarnFlavour(root, Number(ua[2])) : { berry: false, pnp: false }), from: 'user-agent' };
  }
  const lock = (f: string) => existsSync(join(root, f));
  if (lock('pnpm-lock.yaml') || lock('pnpm-workspace.yaml')) return { name: 'pnpm', berry: false, pnp: false, from: 'lockfile' };
  if (lock('bun.lock') || lock('bun.lockb')) return { name: 'bun', berry: false, pnp: false, from: 'lockfile' };
  if (lock('yarn.lock')) return { name: 'yarn', ...yarnFlavour(root, undefined), from: 'lockfile' };
  if (lock('package-lock.json') || lock('npm-shrinkwrap.json')) return { name: 'npm', berry: false, pnp: false, from: 'lockfile' };
  let pm: string | undefined;
  try {
    pm = (JSON.parse(read(join(root, 'package.json')) ?? '{}') as { packageManager?: string }).packageManager;
  } catch {
    pm = undefined;
  }
  const m = /^(npm|pnpm|yarn|bun)@(\d+)/.exec(pm ?? '');
  if (m) {
    const name = m[1] as ManagerName;
    return { name, ...(name === 'yarn' ? yarnFlavour(root, Number(m[2])) : { berry: false, pnp: false }), from: 'packageManager' };
  }
  let real = PACKAGE_ROOT;
  try {
    real = realpathSync(PACKAGE_ROOT);
  } catch {
    // as it is
  }
  if (real.includes('/node_modules/.pnpm/')) return { name: 'pnpm', berry: false, pnp: false, from: 'install path' };
  if (!existsSync(join(root, 'package.json'))) return undefined;
  return { name: 'npm', berry: false, pnp: false, from: 'default' };
}

/** The exact fix for a better-sqlite3 that was installed without its native build, in the manager's own terms. */
export function nativeBuildFix(pm: PackageManager | undefined): string {
  switch (pm?.name) {
    case 'pnpm':
      return [
        'pnpm (10 and later) skips the build scripts of dependencies it was not told to trust. Either:',
        '  pnpm approve-builds            (choose better-sqlite3), or',
        '  add "pnpm": { "onlyBuiltDependencies": ["better-sqlite3"] } to package.json',
        'then: pnpm rebuild better-sqlite3',
      ].join('\n');
    case 'yarn':
      return [
        'yarn (4 and later) runs no build script of a dependency unless told (enableScripts is false by default):',
        '  add "dependenciesMeta": { "better-sqlite3": { "built": true } } to package.json,',
        'then: yarn install',
        ...(pm.pnp ? ["under Plug'n'Play the committed hooks cannot find sortie in node_modules: set nodeLinker: node-modules in .yarnrc.yml, or install it globally (npm i -g sortie)"] : []),
      ].join('\n');
    case 'bun':
      return 'bun pm trust better-sqlite3   (bun runs the build scripts only of trusted dependencies; this adds it to "trustedDependencies" and builds it)';
    case 'npm':
      return 'npm rebuild better-sqlite3   (if npm said it skipped its install script: npm install-scripts approve better-sqlite3, then the rebuild)';
    default:
      return 'npm rebuild better-sqlite3 in the folder sortie is installed in (for a global install: npm i -g sortie again)';
  }
}
