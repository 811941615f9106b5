import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, isAbsolute, join, resolve } from 'node:path';
import type { SortieConfig } from '../config/types.js';
import { DEFAULT_CONFIG } from '../config/defaults.js';
import { awkPattern } from '../config/pattern.js';
import { shellQuote as shq } from '../text.js';
import { SortieError } from '../errors.js';
import { git, scrubGitEnv, type Env, type Repo } from '../git.js';
import { childProcess } from '../lazy.js';
import { writeFileAtomic } from '../files.js';
import type { FileChange } from '../files.js';
import { hookSettingsFile } from '../store/paths.js';
import { installMessages } from './messages.js';
import { HOOK_ENTRY, PACKAGE_ROOT } from './paths.js';

export const GIT_HOOKS = ['pre-commit', 'commit-msg', 'post-commit', 'post-checkout'] as const;
export const BLOCK_START = '# >>> sortie (checks task claims; `sortie uninstall` removes this block) >>>';
const BLOCK_END = '# <<< sortie <<<';

/**
 * The block appended to `.husky/<hook>`, committed, so it names no path of this machine. It finds
 * the git common dir with shell builtins (no process), sources this machine's settings from
 * there when `sortie init` wrote them (they name the runner), else takes the runner of the
 * project's node_modules (`\${0%/*}` is the folder of this hook file, found without a process),
 * and sources the runner, hooks/sortie.sh, where the logic is.
 */
export function hookBlock(hook: string): string {
  return [
    BLOCK_START,
    `sortie_hook=${hook} sortie_gd=.git; if [ -f .git ]; then read -r sortie_gd < .git || :; sortie_gd=\${sortie_gd#gitdir: }; fi`,
    'sortie_cd=$sortie_gd; if [ -f "$sortie_gd/commondir" ]; then read -r sortie_cd < "$sortie_gd/commondir" || :; case $sortie_cd in /*) ;; *) sortie_cd=$sortie_gd/$sortie_cd ;; esac; fi',
    'sortie_runner=${0%/*}/../node_modules/sortie/hooks/sortie.sh; if [ -f "$sortie_cd/sortie/hooks.env" ]; then . "$sortie_cd/sortie/hooks.env"; fi',
    'if [ -f "$sortie_runner" ]; then . "$sortie_runner"; else echo "sortie: git hooks not set up on this machine (run: npx sortie init); skipping" >&2; fi',
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
function hooksEnv(config: SortieConfig): string {
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

export interface GitPlan {
  hooksDir: string;
  changes: FileChange[];
}

function huskyBin(): string {
  const req = createRequire(import.meta.url);
  return join(dirname(req.resolve('husky')), 'bin.js');
}

/** What core.hooksPath is now, and whether sortie may take it over. */
export function hooksPathState(repo: Repo, env: Env): { current: string | undefined; ours: boolean; foreignHooks: string[] } {
  const got = git(['config', '--get', 'core.hooksPath'], { cwd: repo.root, env });
  const current = (got.ok && got.out) || undefined;
  // Unset, husky's own relative path, or sortie's absolute one (ending in /.husky/_, whichever
  // worktree wrote it).
  const ours = current === undefined || resolve(repo.root, current) === join(repo.root, '.husky', '_') || current.endsWith('/.husky/_');
  const foreignHooks: string[] = [];
  if (current === undefined) {
    // Hooks written straight into .git/hooks (lefthook, pre-commit, hand-made) would stop running once husky sets core.hooksPath.
    const dir = join(repo.commonDir, 'hooks');
    if (existsSync(dir)) for (const n of readdirSync(dir)) if (!n.endsWith('.sample')) foreignHooks.push(n);
  }
  return { current, ours: ours && foreignHooks.length === 0, foreignHooks };
}

function hooksPathRefusal(state: ReturnType<typeof hooksPathState>): SortieError {
  const m = installMessages.anotherHookManager({ hooksPath: state.current, foreignHooks: state.foreignHooks, hookEntry: HOOK_ENTRY });
  return new SortieError('INSTALL', m.message, { hint: m.hint, data: { hooksPath: state.current, foreignHooks: state.foreignHooks } });
}

/**
 * Installs the four git hooks through husky: husky writes `.husky/_` and sets core.hooksPath;
 * sortie then makes that path absolute (a relative one resolves inside each worktree, where the
 * ignored `.husky/_` does not exist, so hooks would silently not fire in worktrees added later),
 * appends its marked block to `.husky/<hook>` (creating the file if needed, never touching other
 * lines), and writes this machine's settings for the runner (hooks/sortie.sh).
 */
export function installGit(repo: Repo, config: SortieConfig, env: Env, dryRun = false): GitPlan {
  const state = hooksPathState(repo, env);
  if (!state.ours) throw hooksPathRefusal(state);
  const changes: FileChange[] = [];
  const huskyDir = join(repo.root, '.husky');
  const hooksDir = join(huskyDir, '_');
  const absPath = hooksDir;

  if (!existsSync(join(hooksDir, 'h')) || state.current !== absPath) {
    if (!dryRun) {
      const r = childProcess().spawnSync(process.execPath, [huskyBin()], { cwd: repo.root, env: scrubGitEnv({ ...env, HUSKY: undefined }) as NodeJS.ProcessEnv, encoding: 'utf8' });
      const msg = `${r.stdout ?? ''}${r.stderr ?? ''}`.trim();
      if (r.status !== 0 || msg) throw new SortieError('INSTALL', installMessages.huskyFailed(msg || `exit ${r.status}`));
      const set = git(['config', 'core.hooksPath', absPath], { cwd: repo.root, env });
      if (!set.ok) throw new SortieError('INSTALL', installMessages.hooksPathNotSet(set.err));
    }
    changes.push({ file: join(repo.commonDir, 'config'), action: 'update', detail: `core.hooksPath = ${absPath} (husky)` });
  }

  for (const hook of GIT_HOOKS) {
    const file = join(huskyDir, hook);
    const block = hookBlock(hook);
    if (!existsSync(file)) {
      if (!dryRun) {
        mkdirSync(huskyDir, { recursive: true });
        writeFileSync(file, `${block}\n`, { mode: 0o755 });
      }
      changes.push({ file, action: 'create', detail: `git ${hook} hook` });
      continue;
    }
    const text = readFileSync(file, 'utf8');
    const stripped = removeBlock(text);
    if (stripped !== text && text.includes(block)) continue; // already there, same block
    const next = `${stripped}${stripped.length && !stripped.endsWith('\n') ? '\n' : ''}${block}\n`;
    if (!dryRun) writeFileAtomic(file, next);
    changes.push({ file, action: 'update', detail: `appended sortie's block to the existing ${hook} hook` });
  }

  const settings = hookSettingsFile(repo);
  const text = hooksEnv(config);
  const old = existsSync(settings) ? readFileSync(settings, 'utf8') : undefined;
  if (old !== text) {
    if (!dryRun) {
      mkdirSync(dirname(settings), { recursive: true });
      writeFileSync(settings, text);
    }
    changes.push({ file: settings, action: old === undefined ? 'create' : 'update', detail: 'hook settings for this machine (not committed)' });
  }
  if (existsSync(legacyRunner(repo))) {
    if (!dryRun) rmSync(legacyRunner(repo));
    changes.push({ file: legacyRunner(repo), action: 'remove', detail: 'the old machine-local runner (hooks/sortie.sh replaces it)' });
  }
  return { hooksDir, changes };
}

/** The text of a hook file with sortie's block taken out, byte for byte what was there before. */
function removeBlock(text: string): string {
  const start = text.indexOf(BLOCK_START);
  if (start < 0) return text;
  const end = text.indexOf(BLOCK_END, start);
  if (end < 0) return text;
  let after = end + BLOCK_END.length;
  if (text[after] === '\n') after++;
  return text.slice(0, start) + text.slice(after);
}

export interface GitManifest {
  createdHooks: string[];
  previousHooksPath: string | null;
  huskyInstalledBySortie: boolean;
}

/** Restores the hooks as they were: sortie's blocks out, files it created removed, core.hooksPath back. */
export function uninstallGit(repo: Repo, env: Env, manifest: GitManifest | undefined, dryRun = false): FileChange[] {
  const changes: FileChange[] = [];
  const huskyDir = join(repo.root, '.husky');
  for (const hook of GIT_HOOKS) {
    const file = join(huskyDir, hook);
    if (!existsSync(file)) continue;
    const text = readFileSync(file, 'utf8');
    const stripped = removeBlock(text);
    if (stripped === text) continue;
    const created = manifest?.createdHooks.includes(hook) ?? stripped.trim() === '';
    if (created && stripped.trim() === '') {
      if (!dryRun) rmSync(file);
      changes.push({ file, action: 'remove', detail: `git ${hook} hook (created by sortie)` });
    } else {
      if (!dryRun) writeFileAtomic(file, stripped);
      changes.push({ file, action: 'update', detail: `removed sortie's block from ${hook}` });
    }
  }
  for (const [file, detail] of [
    [hookSettingsFile(repo), 'hook settings for this machine'],
    [legacyRunner(repo), 'the old machine-local hook runner'],
  ] as const) {
    if (!existsSync(file)) continue;
    if (!dryRun) rmSync(file);
    changes.push({ file, action: 'remove', detail });
  }
  if (manifest?.huskyInstalledBySortie) {
    const left = existsSync(huskyDir) ? readdirSync(huskyDir).filter((n) => n !== '_') : [];
    if (!dryRun) {
      restoreHooksPath(repo, env, manifest.previousHooksPath);
      rmSync(join(huskyDir, '_'), { recursive: true, force: true });
      if (left.length === 0) rmSync(huskyDir, { recursive: true, force: true });
    }
    changes.push({ file: join(repo.commonDir, 'config'), action: 'update', detail: manifest.previousHooksPath ? `core.hooksPath back to ${manifest.previousHooksPath}` : 'core.hooksPath unset (husky was installed by sortie)' });
  } else if (manifest) {
    // husky was there before: put core.hooksPath back the way it was.
    const got = git(['config', '--get', 'core.hooksPath'], { cwd: repo.root, env });
    const now = got.ok ? got.out : undefined;
    if (now !== (manifest.previousHooksPath ?? undefined)) {
      if (!dryRun) {
        restoreHooksPath(repo, env, manifest.previousHooksPath);
      }
      changes.push({ file: join(repo.commonDir, 'config'), action: 'update', detail: `core.hooksPath back to ${manifest.previousHooksPath ?? '(unset)'}` });
    }
  }
  return changes;
}

/** Puts core.hooksPath back to what it was before init (unset when it was unset). */
function restoreHooksPath(repo: Repo, env: Env, previous: string | null): void {
  git(previous ? ['config', 'core.hooksPath', previous] : ['config', '--unset', 'core.hooksPath'], { cwd: repo.root, env });
}
