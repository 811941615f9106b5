import { readFileSync } from 'node:fs';
import type { SortieConfig } from '../config/types.js';
import { git, type Env, type Repo } from '../git.js';
import { findIds } from '../tasks/ids.js';

/**
 * The commit message git will keep, as commit-msg sees it before git cleans it up. Git 2.39
 * (builtin/commit.c), checked by test/integration/guard-cleanup.test.ts with real commits:
 *
 * - The cleanup mode comes from `--cleanup=<mode>`, else `commit.cleanup`, else `default`.
 *   `default` is `strip` when the message was edited, `whitespace` otherwise; `scissors` is
 *   `whitespace` too when it was not edited.
 * - `strip` drops every line that starts with the comment character (`#foo` too); `whitespace` and
 *   `verbatim` keep them; only whitespace differs between those two, which names no task.
 * - Everything from the cut line `<c> ------------------------ >8 ------------------------` on is
 *   dropped when the mode is `scissors` or the commit is verbose (`-v`, or `commit.verbose`), even
 *   with `-m`; otherwise it is kept.
 * - The comment character is `core.commentChar` (default `#`). `auto` makes git pick, from
 *   `#;@!$%^&|:`, the first one that starts no line of the message before editing.
 * - Whether the message was edited: git sets GIT_EDITOR=: for the hook when it runs no editor.
 * - `--cleanup` and `-v` are not in the hook's environment: they are read from the command line
 *   of the `git commit` process above the hook (/proc, Linux). Elsewhere they are unknown:
 *   commit.cleanup and commit.verbose from the config apply, and a cut line is taken as git's when
 *   the message was edited (git writes it there itself for -v), as text otherwise.
 *
 * When in doubt the rule keeps more text, never less: a task id git will keep must be judged.
 */
export interface CleanupRules {
  mode: 'strip' | 'whitespace' | 'verbatim' | 'scissors';
  /** The comment character, resolved (auto included); undefined when no line is a comment. */
  commentChar: string | undefined;
  /** Whether everything from the cut line on is dropped. */
  truncate: boolean;
}

export const CUT_LINE = '------------------------ >8 ------------------------';
const AUTO_CANDIDATES = '#;@!$%^&|:';

export interface GitCommitArgs {
  cleanup: string | undefined;
  /** -v/--verbose given (true), --no-verbose given (false), or neither (undefined). */
  verbose: boolean | undefined;
}

/**
 * The `git commit` command line above this hook, from /proc (the hook runs under one or two
 * shells that husky and sortie's block start). Undefined where it cannot be read.
 */
export function commitArgs(ppid: number | undefined): GitCommitArgs | undefined {
  let pid = ppid;
  for (let i = 0; i < 6 && pid && pid > 1; i++) {
    let argv: string[];
    let stat: string;
    try {
      argv = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
      if (argv[argv.length - 1] === '') argv.pop();
      stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      return undefined;
    }
    const at = argv.indexOf('commit');
    if (at > 0 && /(^|\/)git$/.test(argv[0] ?? '')) return parseCommitArgs(argv.slice(at + 1));
    pid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
  }
  return undefined;
}

/** Options of `git commit` that take a value (as the next argument when not attached). */
const TAKES_VALUE = new Set(['-m', '-F', '-C', '-c', '-t', '--message', '--file', '--reuse-message', '--reedit-message', '--fixup', '--squash', '--author', '--date', '--template', '--cleanup', '--pathspec-from-file', '--trailer']);
/** Short options whose value may only be attached (-S<keyid>, -u<mode>). */
const OPTIONAL_ATTACHED = new Set(['S', 'u']);

export function parseCommitArgs(args: string[]): GitCommitArgs {
  const out: GitCommitArgs = { cleanup: undefined, verbose: undefined };
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!;
    if (a === '--') break;
    if (a.startsWith('--')) {
      const [name, value] = a.includes('=') ? [a.slice(0, a.indexOf('=')), a.slice(a.indexOf('=') + 1)] : [a, undefined];
      if (name === '--cleanup') out.cleanup = value ?? args[++i];
      else if (name === '--verbose') out.verbose = true;
      else if (name === '--no-verbose') out.verbose = false;
      else if (value === undefined && TAKES_VALUE.has(name)) i++;
      continue;
    }
    if (!a.startsWith('-') || a === '-') continue;
    // A bundle of short options: -qv, -am <msg>, -vm<msg>.
    for (let j = 1; j < a.length; j++) {
      const c = a[j]!;
      if (c === 'v') out.verbose = true;
      else if (TAKES_VALUE.has(`-${c}`)) {
        if (j === a.length - 1) i++;
        break;
      } else if (OPTIONAL_ATTACHED.has(c)) break;
    }
  }
  return out;
}

export interface CommitConfig {
  cleanup: string | undefined;
  commentChar: string | undefined;
  verbose: boolean | undefined;
}

/**
 * commit.cleanup, core.commentChar and commit.verbose, in one git process, with what `git -c`
 * put in the environment (GIT_CONFIG_PARAMETERS) kept.
 */
export function commitConfig(repo: Repo, env: Env): CommitConfig {
  const r = git(['config', '-z', '--get-regexp', '^(commit\\.cleanup|core\\.commentchar|commit\\.verbose)$'], { cwd: repo.root, env, keepConfigEnv: true });
  const out: CommitConfig = { cleanup: undefined, commentChar: undefined, verbose: undefined };
  if (!r.ok) return out;
  for (const entry of r.out.split('\0')) {
    const nl = entry.indexOf('\n');
    const key = (nl < 0 ? entry : entry.slice(0, nl)).toLowerCase();
    const value = nl < 0 ? '' : entry.slice(nl + 1);
    if (key === 'commit.cleanup') out.cleanup = value;
    else if (key === 'core.commentchar') out.commentChar = value;
    else if (key === 'commit.verbose') out.verbose = gitBool(value);
  }
  return out;
}

function gitBool(v: string): boolean {
  const s = v.trim().toLowerCase();
  if (s === '' || s === 'true' || s === 'yes' || s === 'on') return true;
  if (s === 'false' || s === 'no' || s === 'off') return false;
  const n = Number(s);
  return Number.isFinite(n) ? n > 0 : true;
}

/** The rules git will apply to this message (see CleanupRules). */
export function cleanupRules(raw: string, o: { edited: boolean; config: CommitConfig; args: GitCommitArgs | undefined }): CleanupRules {
  const arg = o.args?.cleanup ?? o.config.cleanup ?? 'default';
  let mode: CleanupRules['mode'];
  if (arg === 'default') mode = o.edited ? 'strip' : 'whitespace';
  else if (arg === 'scissors') mode = o.edited ? 'scissors' : 'whitespace';
  else if (arg === 'strip' || arg === 'whitespace' || arg === 'verbatim') mode = arg;
  else mode = 'verbatim'; // git refuses an unknown mode; keep everything
  const commentChar = resolveCommentChar(raw, o.config.commentChar, o.edited);
  const verbose = o.args ? (o.args.verbose ?? o.config.verbose ?? false) : (o.config.verbose ?? (o.edited ? undefined : false));
  // Command line unknown (no /proc): a cut line in an edited message is git's own (-v puts it there).
  const truncate = mode === 'scissors' || verbose === true || (verbose === undefined && o.edited);
  return { mode, commentChar, truncate };
}

function resolveCommentChar(raw: string, configured: string | undefined, edited: boolean): string | undefined {
  if (configured === undefined || configured === '') return '#';
  if (configured.toLowerCase() !== 'auto') return configured[0];
  const lines = raw.split('\n');
  if (edited) {
    // Git's own instructions name the character it picked: `; with ';' will be ignored, ...`.
    for (const c of AUTO_CANDIDATES) if (lines.some((l) => l.startsWith(`${c} `) && l.includes(`'${c}'`))) return c;
  }
  // As git picks it: the first candidate that starts no line (exact for a message not edited; for
  // an edited one without git's instructions, a character that strips nothing).
  for (const c of AUTO_CANDIDATES) if (!lines.some((l) => l.startsWith(c))) return c;
  return undefined;
}

/** The text git will keep of this message under these rules (whitespace aside: it names no task). */
export function keptMessage(raw: string, rules: CleanupRules): string {
  let text = raw;
  if (rules.truncate && rules.commentChar !== undefined) {
    // As git finds it (wt_status_locate_end): the whole line, newline included.
    const cut = `${rules.commentChar} ${CUT_LINE}\n`;
    if (text.startsWith(cut)) text = '';
    else {
      const at = text.indexOf(`\n${cut}`);
      if (at >= 0) text = text.slice(0, at + 1);
    }
  }
  if (rules.mode === 'strip' && rules.commentChar !== undefined) {
    const c = rules.commentChar;
    text = text
      .split('\n')
      .filter((l) => !l.startsWith(c))
      .join('\n');
  }
  return text;
}

/**
 * Whether git's cleanup could drop a line of this message that names an id: one that starts with
 * a character that can be a comment character, or one after a cut line. A comment character may be
 * any character, but a letter or a digit as one is taken to be absurd: such a line is judged (a
 * block too many, never one too few).
 */
export function mayBeDropped(raw: string, config: SortieConfig): boolean {
  if (raw.includes(CUT_LINE)) return true;
  return raw.split('\n').some((l) => l.length > 0 && !/^[A-Za-z0-9]/.test(l) && findIds(l, config).length > 0);
}
