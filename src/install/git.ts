import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join } from 'node:path';
import type { SortieConfig } from '../config/types.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import { awkPattern } from '../config/pattern.js';
import { shellQuote as shq } from '../text.js';
import { SortieError } from '../errors.js';
import { git, scrubGitEnv, type Env, type Repo } from '../git.js';
import { childProcess, resolveHere } from '../lazy.js';
import type { FileChange } from '../files.js';
import { hookSettingsFile } from '../store/paths.js';
import { installMessages } from './messages.js';
import { HOOK_ENTRY, PACKAGE_ROOT } from './paths.js';
import { hooksFolder, isHuskyPath, WIRED_HOOKS } from './hook-managers.js';
import type { Tx } from './tx.js';

export const GIT_HOOKS = WIRED_HOOKS;
export const BLOCK_START = '# >>> sortie (checks task claims; `sortie uninstall` removes this block) >>>';
const BLOCK_END = '# <<< sortie <<<';

/**
 * The block appended to `.husky/<hook>`, committed, so it names no path of this machine. It finds
 * the git common dir with shell builtins (no process), sources this machine's settings from
 * there when there are any (they name the runner), else takes the runner of the project's install
 * (`\${0%/*}` is the folder of this hook file, found without a process), else runs the global
 * `sortie-hook` (no shell fast path then), else says in one line that sortie is not installed.
 * `installDir` is where the project's install is, relative to the project (see paths.ts).
 */
export function hookBlock(hook: string, installDir = 'node_modules/sortie'): string {
  return [
    BLOCK_START,
    `sortie_hook=${hook} sortie_gd=.git; if [ -f .git ]; then read -r sortie_gd < .git || :; sortie_gd=\${sortie_gd#gitdir: }; fi`,
    'sortie_cd=$sortie_gd; if [ -f "$sortie_gd/commondir" ]; then read -r sortie_cd < "$sortie_gd/commondir" || :; case $sortie_cd in /*) ;; *) sortie_cd=$sortie_gd/$sortie_cd ;; esac; fi',
    'sortie_runner=; if [ -f "$sortie_cd/sortie/hooks.env" ]; then . "$sortie_cd/sortie/hooks.env"; fi',
    `[ -f "$sortie_runner" ] || sortie_runner=\${0%/*}/../${installDir}/hooks/sortie.sh`,
    'if [ -f "$sortie_runner" ]; then . "$sortie_runner"; elif command -v sortie-hook >/dev/null 2>&1; then sortie-hook git "$sortie_hook" "$@"; else echo "sortie: not installed here (npm i -D sortie in a JavaScript project, or npm i -g sortie); commit not checked" >&2; fi',
    BLOCK_END,
  ].join('\n');
}

/** The runner every hook block sources (shipped with the package). */
const RUNNER = join(PACKAGE_ROOT, 'hooks', 'sortie.sh');

/** The runner that `sortie init` wrote into `.husky/_` before hooks/sortie.sh existed; removed when found. */
function legacyRunner(repo: Repo): string {
  return join(repo.root, '.husky', '_', 'sortie.sh');
}

/** Shell ERE for one id with the same boundaries the guard uses (no lookbehind in awk). */
function shellIdRegex(config: SortieConfig): string {
  return `(^|[^A-Za-z0-9_])(${awkPattern(config.tasks.idPattern)})($|[^A-Za-z0-9_])`;
}


/**
 * The settings hooks/sortie.sh reads (shell assignments): where node, the runner and the hook
 * entry are on this machine, the id pattern as a shell ERE, the tasks folder, and whether the
 * no-process prefilter applies (for the shipped id patterns an id always holds "-<digit>", so a
 * message without one is settled by the shell's own `case`).
 */
export function hooksEnv(config: SortieConfig): string {
  const prefilter = [DEFAULT_CONFIG.tasks.idPattern, '[A-Z]{3}-[CHML]-[0-9]{4}'].includes(config.tasks.idPattern);
  const tasksDir = isAbsolute(config.tasks.dir) ? config.tasks.dir : config.tasks.dir.replace(/^\.\//, '');
  return [
    '# Written by `sortie init` for this machine; not committed. Read by the sortie block in .husky/<hook>.',
    `sortie_runner=${shq(RUNNER)}`,
    `sortie_node=${shq(process.execPath)}`,
    `sortie_entry=${shq(HOOK_ENTRY)}`,
    `sortie_re=${shq(shellIdRegex(config))}`,
    `sortie_tasks=${shq(tasksDir)}`,
    `sortie_prefilter=${prefilter ? 1 : 0}`,
    '',
  ].join('\n');
}

/** What is wrong with this machine's hook settings, if anything: a path they name is gone, or they say other than this config would. */
export function hooksEnvProblem(repo: Repo, config: SortieConfig | undefined): string | undefined {
  const file = hookSettingsFile(repo);
  if (!existsSync(file)) return undefined;
  const text = readFileSync(file, 'utf8');
  for (const key of ['sortie_runner', 'sortie_node', 'sortie_entry']) {
    const m = new RegExp(`^${key}='([^']*)'`, 'm').exec(text);
    if (m?.[1] && !existsSync(m[1])) return `${key.replace('sortie_', '')} ${m[1]} is gone`;
  }
  if (config && text !== hooksEnv(config)) return 'they were written for another install or another config';
  return undefined;
}

function huskyBin(): string {
  return join(dirname(resolveHere('husky')), 'bin.js');
}

/** Where sortie's husky hooks live: `.husky/_`, set as an absolute core.hooksPath (relative ones do not resolve in worktrees). */
export function huskyHooksDir(repo: Repo): string {
  return join(repo.root, '.husky', '_');
}

/** Runs husky's installer from sortie's own dependency (so the project needs no husky of its own). */
function runHusky(repo: Repo, env: Env): void {
  const r = childProcess().spawnSync(process.execPath, [huskyBin()], { cwd: repo.root, env: scrubGitEnv({ ...env, HUSKY: undefined }) as NodeJS.ProcessEnv, encoding: 'utf8' });
  const msg = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
  if (r.status !== 0 || msg) throw new SortieError('INSTALL', installMessages.huskyFailed(msg || `exit ${r.status}`));
}

/** Whether husky's folder is there and core.hooksPath names it absolutely. */
export function huskyWired(repo: Repo, env: Env): boolean {
  const { hooksPath } = hooksFolder(repo, env);
  return existsSync(join(huskyHooksDir(repo), 'h')) && hooksPath === huskyHooksDir(repo);
}

/**
 * Installs the four git hooks through husky, every write through the transaction: husky's
 * installer writes `.husky/_` (and sets core.hooksPath, which sortie then makes absolute: a
 * relative one resolves inside each worktree, where the ignored `.husky/_` does not exist);
 * sortie's marked block is appended to `.husky/<hook>` (created if needed, never touching other
 * lines, its mode kept); this machine's settings for the runner (hooks/sortie.sh) are written.
 * The caller has checked that no other manager owns the hooks.
 */
export function installGit(repo: Repo, config: SortieConfig, env: Env, tx: Tx, installDir: string): FileChange[] {
  const changes: FileChange[] = [];
  const huskyDir = join(repo.root, '.husky');
  const abs = huskyHooksDir(repo);
  const { hooksPath } = hooksFolder(repo, env);
  if (hooksPath && !isHuskyPath(repo, hooksPath)) throw new SortieError('INSTALL', `core.hooksPath is ${hooksPath}: not husky's`);

  if (!huskyWired(repo, env)) {
    // Journaled first, so the value before husky's own `git config` is the one put back.
    tx.gitConfig('core.hooksPath', abs);
    tx.writesInto(abs, () => {
      runHusky(repo, env);
      const set = git(['config', '--local', 'core.hooksPath', abs], { cwd: repo.root, env });
      if (!set.ok) throw new SortieError('INSTALL', installMessages.hooksPathNotSet(set.err));
    });
    changes.push({ file: join(repo.commonDir, 'config'), action: 'update', detail: `core.hooksPath = ${abs} (husky)` });
  }

  for (const hook of GIT_HOOKS) {
    const file = join(huskyDir, hook);
    const block = hookBlock(hook, installDir);
    if (!existsSync(file)) {
      tx.write(file, `${block}\n`, { mode: 0o755 });
      changes.push({ file, action: 'create', detail: `git ${hook} hook` });
      continue;
    }
    const text = readFileSync(file, 'utf8');
    const stripped = removeBlock(text);
    if (stripped !== text && text.includes(block)) continue; // already there, same block
    tx.write(file, `${stripped}${stripped.length && !stripped.endsWith('\n') ? '\n' : ''}${block}\n`);
    changes.push({ file, action: 'update', detail: `appended sortie's block to the existing ${hook} hook` });
  }

  changes.push(...writeHooksEnv(repo, config, tx));
  if (existsSync(legacyRunner(repo))) {
    tx.remove(legacyRunner(repo));
    changes.push({ file: legacyRunner(repo), action: 'remove', detail: 'the old machine-local runner (hooks/sortie.sh replaces it)' });
  }
  return changes;
}

function writeHooksEnv(repo: Repo, config: SortieConfig, tx: Tx): FileChange[] {
  const settings = hookSettingsFile(repo);
  const text = hooksEnv(config);
  const old = existsSync(settings) ? readFileSync(settings, 'utf8') : undefined;
  if (old === text) return [];
  tx.write(settings, text);
  return [{ file: settings, action: old === undefined ? 'create' : 'update', detail: 'hook settings for this machine (not committed)' }];
}

/**
 * What the project's install script runs on each clone (`sortie prepare`, see init.ts): husky's
 * folder, the absolute core.hooksPath and this machine's settings, where the committed hooks carry
 * sortie's block and no other manager owns the hooks. Only ignored and machine-local files are
 * written. Returns what it did, or why it did nothing; never throws.
 */
export function prepareGit(repo: Repo, config: SortieConfig, env: Env, tx: Tx): { changes: FileChange[]; skipped?: string } {
  const committed = GIT_HOOKS.filter((h) => existsSync(join(repo.root, '.husky', h)) && readFileSync(join(repo.root, '.husky', h), 'utf8').includes(BLOCK_START));
  if (committed.length === 0) return { changes: [], skipped: 'no sortie block in .husky/ (sortie init was not run in this project, or hooks go through another manager)' };
  const { hooksPath } = hooksFolder(repo, env);
  if (hooksPath && !isHuskyPath(repo, hooksPath)) return { changes: [], skipped: `core.hooksPath is ${hooksPath}: another hook manager is in charge` };
  const changes: FileChange[] = [];
  if (!huskyWired(repo, env)) {
    tx.gitConfig('core.hooksPath', huskyHooksDir(repo));
    tx.writesInto(huskyHooksDir(repo), () => {
      runHusky(repo, env);
      git(['config', '--local', 'core.hooksPath', huskyHooksDir(repo)], { cwd: repo.root, env });
    });
    changes.push({ file: join(repo.commonDir, 'config'), action: 'update', detail: `core.hooksPath = ${huskyHooksDir(repo)} (husky)` });
  }
  changes.push(...writeHooksEnv(repo, config, tx));
  return { changes };
}

/** The text of a hook file with sortie's block taken out, byte for byte what was there before. */
export function removeBlock(text: string): string {
  const start = text.indexOf(BLOCK_START);
  if (start < 0) return text;
  const end = text.indexOf(BLOCK_END, start);
  if (end < 0) return text;
  let after = end + BLOCK_END.length;
  if (text[after] === '\n') after++;
  return text.slice(0, start) + text.slice(after);
}

/** The machine-local files sortie's git side leaves beside the database. */
export function machineFiles(repo: Repo): string[] {
  return [hookSettingsFile(repo), legacyRunner(repo)];
}
