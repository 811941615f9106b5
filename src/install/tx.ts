import { chmodSync, closeSync, existsSync, fsyncSync, lstatSync, mkdirSync, openSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync, writeSync } from 'node:fs';
import { DIR_MODE } from '../files.js';
import { createHash } from 'node:crypto';
import { basename, dirname, join, relative } from 'node:path';
import { SortieError } from '../errors.js';
import { git, type Env, type Repo } from '../git.js';

/**
 * init and uninstall as transactions. Every change they make to the repository goes through a
 * Tx, which first records what was there (the bytes and the mode of a file, or its absence; a git
 * config value; a folder another program writes into) in a journal kept beside the database
 * (`<common dir>/sortie/install.json`), written before the change is made. So:
 * - a failure rolls every change back, byte for byte, modes included;
 * - `sortie uninstall` puts back what init changed, also after an init that was killed halfway;
 * - the journal of a finished init is its manifest: uninstall restores each file exactly when it
 *   is still what init wrote, and otherwise takes out only sortie's part of it.
 *
 * A test seam: `SORTIE_TEST_FAIL_WRITE=k` (read once, at the start of init or uninstall; for tests
 * only) makes the k-th change fail before it is made (`k:kill` kills the process there instead), so
 * a test can check the rollback at every step.
 */

export interface Saved {
  /** base64 of the bytes. */
  data: string;
  mode: number;
}

export type JournalEntry =
  /** A file: what it was before sortie's first change (null: it did not exist), and a hash of what sortie last wrote (null: sortie removed it). */
  | { op: 'file'; path: string; before: Saved | null; after: string | null }
  /** A folder sortie created. */
  | { op: 'dir'; path: string }
  /** A git config value (in the repository's own config) before sortie set it. */
  | { op: 'config'; key: string; before: string | null; after: string | null }
  /** A folder another program (husky's installer) wrote into: every file in it before. */
  | { op: 'tree'; path: string; before: Record<string, Saved> | null }
  /** The database, created by this init (removed if init fails; kept by uninstall once init finished). */
  | { op: 'db'; path: string };

export interface Journal {
  version: 2;
  /** True once an init finished; an interrupted one leaves false. */
  complete: boolean;
  entries: JournalEntry[];
  /** Facts for uninstall (what init found): see init.ts. */
  facts: Record<string, unknown>;
}

export function journalPath(repo: Repo): string {
  return join(repo.commonDir, 'sortie', 'install.json');
}

export function readJournal(repo: Repo): Journal | undefined {
  try {
    const j = JSON.parse(readFileSync(journalPath(repo), 'utf8')) as Partial<Journal>;
    if (j.version === 2 && Array.isArray(j.entries)) return { version: 2, complete: Boolean(j.complete), entries: j.entries, facts: j.facts ?? {} };
  } catch {
    // absent or damaged: nothing to go by
  }
  return undefined;
}

export function hashOf(buf: Buffer | string): string {
  return createHash('sha256').update(buf).digest('hex');
}

export function save(path: string): Saved | null {
  try {
    const st = lstatSync(path);
    if (!st.isFile()) return null;
    return { data: readFileSync(path).toString('base64'), mode: st.mode & 0o7777 };
  } catch {
    return null;
  }
}

/** Writes bytes atomically (temp file beside it, then rename), with the given mode. */
export function putFile(path: string, data: Buffer | string, mode: number): void {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${Date.now()}.tmp`);
  const fd = openSync(tmp, 'w', mode);
  try {
    writeSync(fd, typeof data === 'string' ? Buffer.from(data) : data);
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
  chmodSync(tmp, mode); // the umask may have narrowed it
  renameSync(tmp, path);
}

function restore(path: string, s: Saved | null): void {
  if (s === null) {
    rmSync(path, { force: true });
    return;
  }
  mkdirSync(dirname(path), { recursive: true, mode: DIR_MODE });
  putFile(path, Buffer.from(s.data, 'base64'), s.mode);
}

function gitConfigGet(repo: Repo, env: Env, key: string): string | null {
  const r = git(['config', '--local', '--get', key], { cwd: repo.root, env });
  return r.ok ? r.out : null;
}

function gitConfigSet(repo: Repo, env: Env, key: string, value: string | null): void {
  const r = git(value === null ? ['config', '--local', '--unset', key] : ['config', '--local', key, value], { cwd: repo.root, env });
  // --unset of a key that is not set exits 5: nothing to do.
  if (!r.ok && !(value === null && r.code === 5)) throw new SortieError('INSTALL', `could not ${value === null ? 'unset' : 'set'} git config ${key}: ${r.err.trim()}`);
}

function snapshotTree(dir: string): Record<string, Saved> | null {
  if (!existsSync(dir)) return null;
  const out: Record<string, Saved> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) walk(p);
      else {
        const s = save(p);
        if (s) out[relative(dir, p)] = s;
      }
    }
  };
  walk(dir);
  return out;
}

export class Tx {
  private readonly journal: Journal;
  private readonly before: Buffer | null;
  private readonly made: JournalEntry[] = [];
  private count = 0;

  constructor(
    readonly repo: Repo,
    readonly env: Env,
    /** The k of SORTIE_TEST_FAIL_WRITE (0: off), and whether to kill rather than throw. */
    private readonly failAt: { k: number; kill: boolean },
    private readonly dry: boolean,
  ) {
    const file = journalPath(repo);
    this.before = existsSync(file) ? readFileSync(file) : null;
    this.journal = readJournal(repo) ?? { version: 2, complete: false, entries: [], facts: {} };
  }

  get isDry(): boolean {
    return this.dry;
  }

  /** Whether this run (not an earlier init) made an entry of this kind for this path. */
  madeNow(op: JournalEntry['op'], path: string): boolean {
    return this.made.some((e) => e.op === op && 'path' in e && e.path === path);
  }

  get facts(): Record<string, unknown> {
    return this.journal.facts;
  }

  /** The journal entries of earlier inits and this one. */
  get entries(): readonly JournalEntry[] {
    return this.journal.entries;
  }

  private step(): void {
    this.count++;
    if (this.failAt.k === this.count) {
      if (this.failAt.kill) process.kill(process.pid, 'SIGKILL');
      throw new SortieError('INSTALL', `test: write ${this.count} failed (SORTIE_TEST_FAIL_WRITE)`);
    }
  }

  /** Records an entry (merged with an earlier one for the same thing: the first `before` stays) and persists the journal. */
  private record(e: JournalEntry): void {
    this.made.push(e);
    const same = this.journal.entries.findIndex((x) => x.op === e.op && ('path' in x ? 'path' in e && x.path === e.path : 'key' in e && x.key === e.key));
    if (same >= 0) {
      const old = this.journal.entries[same]!;
      if ((e.op === 'file' && old.op === 'file') || (e.op === 'config' && old.op === 'config')) {
        this.journal.entries[same] = { ...e, before: old.before } as JournalEntry;
      }
    } else this.journal.entries.push(e);
    this.persist();
  }

  private persist(): void {
    const file = journalPath(this.repo);
    if (!existsSync(dirname(file))) return; // the first step creates the folder, then the journal follows
    putFile(file, `${JSON.stringify(this.journal, null, 2)}\n`, 0o644);
  }

  /** Creates a folder (and its parents) where missing. */
  mkdir(dir: string): void {
    if (existsSync(dir)) return;
    const missing: string[] = [];
    for (let d = dir; !existsSync(d); d = dirname(d)) missing.unshift(d);
    for (const d of missing) {
      if (this.dry) continue;
      this.step();
      mkdirSync(d, { mode: DIR_MODE });
      this.record({ op: 'dir', path: d });
    }
  }

  /** Writes a file (its folder created if needed). The mode stays what it was, unless one is given; a new file gets `mode` or 0644. */
  write(path: string, text: string, o: { mode?: number } = {}): void {
    if (this.dry) return;
    this.mkdir(dirname(path));
    const before = save(path);
    const mode = o.mode ?? before?.mode ?? 0o644;
    this.step();
    this.record({ op: 'file', path, before, after: hashOf(text) });
    putFile(path, text, mode);
  }

  /** Puts a file back to saved bytes and mode (null: removes it). */
  restore(path: string, saved: Saved | null): void {
    if (this.dry) return;
    if (saved === null) return this.remove(path);
    this.mkdir(dirname(path));
    const data = Buffer.from(saved.data, 'base64');
    const before = save(path);
    this.step();
    this.record({ op: 'file', path, before, after: hashOf(data) });
    putFile(path, data, saved.mode);
  }

  /** Creates the journal's folder: the first step, so every later one is journaled on disk before it is made. */
  begin(): void {
    this.mkdir(dirname(journalPath(this.repo)));
  }

  /** Removes the journal (uninstall, once everything it names is put back). */
  forget(): void {
    if (this.dry) return;
    rmSync(journalPath(this.repo), { force: true });
    removeEmptyDir(dirname(journalPath(this.repo)));
    this.made.length = 0;
  }

  remove(path: string): void {
    if (this.dry || !existsSync(path)) return;
    const before = save(path);
    this.step();
    this.record({ op: 'file', path, before, after: null });
    rmSync(path, { force: true });
  }

  /** Sets (or unsets, with null) a git config value in the repository's own config. */
  gitConfig(key: string, value: string | null): void {
    if (this.dry) return;
    const before = gitConfigGet(this.repo, this.env, key);
    if (before === value) return;
    this.step();
    this.record({ op: 'config', key, before, after: value });
    gitConfigSet(this.repo, this.env, key, value);
  }

  /** Removes a folder another program wrote (saved first, so a rollback puts it back). */
  removeTree(dir: string): void {
    if (this.dry || !existsSync(dir)) return;
    const before = snapshotTree(dir);
    this.step();
    this.record({ op: 'tree', path: dir, before });
    rmSync(dir, { recursive: true, force: true });
  }

  /** Removes a database an unfinished init made (not journaled: there is nothing in it to put back). */
  removeDb(path: string): void {
    if (this.dry) return;
    this.step();
    undo(this.repo, this.env, { op: 'db', path });
  }

  /** Runs a program that writes into `dir` by itself (husky's installer), with the folder saved first. */
  writesInto(dir: string, fn: () => void): void {
    if (this.dry) return;
    const before = snapshotTree(dir);
    this.step();
    this.record({ op: 'tree', path: dir, before });
    fn();
  }

  /** Creates the database through `fn`; removed (with its WAL files) if the init fails. */
  createDb(path: string, fn: () => Promise<void>): Promise<void> | void {
    if (this.dry || existsSync(path)) return;
    this.mkdir(dirname(path));
    this.step();
    this.record({ op: 'db', path });
    return fn();
  }

  setFact(key: string, value: unknown): void {
    if (this.journal.facts[key] !== undefined) return; // the first init's facts are what uninstall needs
    this.journal.facts[key] = value;
  }

  /** Records what was appended to or set in a hook manager's file (uninstall takes exactly that out again). */
  setWired(file: string, w: { appended?: string; inserted?: string[]; keys?: Record<string, string | null> }): void {
    const all = (this.journal.facts.wired ??= {}) as Record<string, unknown>;
    if (all[file] === undefined) all[file] = w;
  }

  commit(): void {
    if (this.dry) return;
    this.journal.complete = true;
    if (this.made.length || !existsSync(journalPath(this.repo))) this.persist();
  }

  /** Undoes this transaction's changes, newest first, and puts the journal back as it was. */
  rollback(): void {
    if (this.dry) return;
    const errors: string[] = [];
    for (const e of [...this.made].reverse()) {
      try {
        undo(this.repo, this.env, e);
      } catch (err) {
        errors.push(`${describe(e)}: ${(err as Error).message}`);
      }
    }
    const file = journalPath(this.repo);
    try {
      if (this.before === null) rmSync(file, { force: true });
      else putFile(file, this.before, 0o644);
      // The folder may have been created by this transaction after all (its entry came first).
      const dirEntry = this.made.find((e) => e.op === 'dir' && e.path === dirname(file));
      if (dirEntry) removeEmptyDir(dirname(file));
    } catch (err) {
      errors.push(`${file}: ${(err as Error).message}`);
    }
    if (errors.length) throw new SortieError('INSTALL', `the rollback could not undo everything:\n  ${errors.join('\n  ')}`, { hint: 'sortie uninstall   (it reads the journal of what was written)' });
  }
}

function describe(e: JournalEntry): string {
  return e.op === 'config' ? `git config ${e.key}` : e.path;
}

export function removeEmptyDir(dir: string): boolean {
  try {
    if (readdirSync(dir).length) return false;
    rmdirSync(dir);
    return true;
  } catch {
    return false;
  }
}

/** Puts one change back exactly as it was before (rollback; uninstall of an untouched file). */
export function undo(repo: Repo, env: Env, e: JournalEntry): void {
  switch (e.op) {
    case 'file':
      restore(e.path, e.before);
      return;
    case 'dir':
      removeEmptyDir(e.path);
      return;
    case 'config':
      gitConfigSet(repo, env, e.key, e.before);
      return;
    case 'tree':
      rmSync(e.path, { recursive: true, force: true });
      if (e.before) for (const [rel, s] of Object.entries(e.before)) restore(join(e.path, rel), s);
      return;
    case 'db':
      for (const f of [e.path, `${e.path}-wal`, `${e.path}-shm`]) rmSync(f, { force: true });
      for (const d of ['pending', 'beats']) removeEmptyDir(join(dirname(e.path), d));
      return;
  }
}

/** Whether a file is still what sortie last wrote there. */
export function untouchedSince(e: Extract<JournalEntry, { op: 'file' }>): boolean {
  if (e.after === null) return !existsSync(e.path);
  try {
    return statSync(e.path).isFile() && hashOf(readFileSync(e.path)) === e.after;
  } catch {
    return false;
  }
}

export function gitConfigValue(repo: Repo, env: Env, key: string): string | null {
  return gitConfigGet(repo, env, key);
}

export function setGitConfig(repo: Repo, env: Env, key: string, value: string | null): void {
  gitConfigSet(repo, env, key, value);
}

export function failSeam(env: Env): { k: number; kill: boolean } {
  const m = /^(\d+)(:kill)?$/.exec(env.SORTIE_TEST_FAIL_WRITE ?? '');
  return m ? { k: Number(m[1]), kill: Boolean(m[2]) } : { k: 0, kill: false };
}
