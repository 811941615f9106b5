import { isAbsolute, relative } from 'node:path';
import type { SortieConfig } from '../config/types.js';
import { git, gitBytes, type Env, type Repo } from '../git.js';
import type { Database } from '../store/open.js';
import { write } from '../store/write.js';
import { iso } from '../time.js';
import { recomputeTasks } from './effective.js';
import { parseTask } from './parse.js';
import { rememberIds } from './state.js';
import { dropSource, fieldsOf, sinceFor, type FileFields } from './sync.js';
import type { Status } from './status.js';

/**
 * Branches not checked out in any worktree, local and remote-tracking, are sources of task
 * observations too, read through git (so never on a hook's path: commands, post-checkout, doctor).
 *
 * Incremental: `git for-each-ref` gives every tip; a ref whose tip did not change since the last
 * refresh is skipped. The others' task-folder trees come from ONE `git cat-file --batch`; a tree
 * that did not change is skipped. A branch is stored as its differences from one base tree (the
 * task folder of HEAD when the base was made), so fifty branches that each touch a few tasks cost
 * a few rows each, not the whole folder each; file contents never parsed before are read with ONE
 * more `git cat-file --batch` (a content seen in any worktree or branch is not parsed again).
 */

export interface BranchRefresh {
  refs: number;
  /** Refs whose tip moved (or new ones). */
  changed: number;
  /** File contents read from git and parsed. */
  parsed: number;
  removed: number;
  /** The base tree was (re)made. */
  rebased: boolean;
}

interface Ref {
  ref: string;
  tip: string;
  at: string;
}

const BASE = 'base';

/** The task folder as a path inside the repository's trees; undefined when it lies outside. */
export function treePath(repo: Repo, config: SortieConfig): string | undefined {
  const dir = config.tasks.dir;
  const rel = isAbsolute(dir) ? relative(repo.root, dir) : dir;
  const clean = rel.replace(/^\.\//, '').replace(/\/+$/, '');
  if (!clean || clean.startsWith('..') || isAbsolute(clean)) return undefined;
  return clean;
}

export interface RefreshBranchesInput {
  repo: Repo;
  config: SortieConfig;
  env: Env;
  now: Date;
  /** Branches checked out in a worktree: their worktree's folder is their source, not their tree. */
  checkedOut: ReadonlySet<string>;
}

export function refreshBranches(db: Database, o: RefreshBranchesInput, depth = 0): BranchRefresh | undefined {
  const dir = treePath(o.repo, o.config);
  if (dir === undefined) return undefined;
  const g = { cwd: o.repo.root, env: o.env };
  const fe = git(['for-each-ref', '--format=%(objectname) %(committerdate:unix) %(refname)', 'refs/heads', 'refs/remotes'], g);
  if (!fe.ok) return undefined;
  const refs: Ref[] = [];
  for (const line of fe.out.split('\n')) {
    const m = /^([0-9a-f]{40,64}) (\d*) (refs\/.+)$/.exec(line);
    if (!m) continue;
    const [, tip, secs, ref] = m as unknown as [string, string, string, string];
    if (/^refs\/remotes\/[^/]+\/HEAD$/.test(ref)) continue;
    if (ref.startsWith('refs/heads/') && o.checkedOut.has(ref.slice('refs/heads/'.length))) continue;
    refs.push({ ref, tip, at: secs ? iso(Number(secs) * 1000) : iso(o.now) });
  }
  const known = new Map((db.prepare("SELECT source, stamp, tree FROM task_sources WHERE kind = 'branch'").all() as { source: string; stamp: string | null; tree: string | null }[]).map((k) => [k.source, k]));
  const base = db.prepare('SELECT stamp FROM task_sources WHERE source = ?').pluck().get(BASE) as string | null | undefined;
  const changed = refs.filter((r) => known.get(r.ref)?.stamp !== r.tip);
  const live = new Set(refs.map((r) => r.ref));
  const removed = [...known.keys()].filter((k) => !live.has(k));
  const out: BranchRefresh = { refs: refs.length, changed: changed.length, parsed: 0, removed: removed.length, rebased: false };
  const needBase = base === undefined && refs.length > 0;
  if (changed.length === 0 && removed.length === 0 && !needBase) return out;

  // Every changed ref's task-folder tree, and HEAD's when the base is to be made: one process.
  const asks = changed.map((r) => `${r.tip}:${dir}`);
  if (needBase) asks.push('HEAD', `HEAD:${dir}`);
  const objs = catFile(o, asks);
  const trees = changed.map((r, i) => ({ ref: r, tree: objs[i]?.type === 'tree' ? objs[i]! : undefined }));
  let baseTree: { sha: string; entries: Map<string, string>; at: string } | undefined;
  if (needBase) {
    const head = objs[changed.length];
    const tree = objs[changed.length + 1];
    const secs = head?.type === 'commit' ? /^committer .* (\d+) [+-]\d{4}$/m.exec(head.data.toString('utf8'))?.[1] : undefined;
    baseTree = { sha: tree?.type === 'tree' ? tree.sha : 'none', entries: tree?.type === 'tree' ? treeEntries(tree) : new Map(), at: secs ? iso(Number(secs) * 1000) : iso(o.now) };
  }
  const baseEntries = baseTree?.entries ?? new Map((db.prepare('SELECT path, blob FROM task_files WHERE source = ?').all(BASE) as { path: string; blob: string }[]).map((r) => [r.path, r.blob]));

  // What each changed ref holds that the base does not (and which base files it lacks).
  const deltas = new Map<string, { ref: Ref; tree: string; entries: Map<string, string> | undefined }>();
  for (const t of trees) {
    const treeSha = t.tree?.sha ?? 'none';
    if (known.get(t.ref.ref)?.tree === treeSha && !needBase) {
      deltas.set(t.ref.ref, { ref: t.ref, tree: treeSha, entries: undefined }); // same files: only the tip moved
      continue;
    }
    const entries = t.tree ? treeEntries(t.tree) : new Map<string, string>();
    const diff = new Map<string, string>();
    for (const [name, blob] of entries) if (baseEntries.get(name) !== blob) diff.set(name, blob);
    for (const name of baseEntries.keys()) if (!entries.has(name)) diff.set(name, '');
    deltas.set(t.ref.ref, { ref: t.ref, tree: treeSha, entries: diff });
  }

  // The contents to know: the base's (when made) and the differences'. Known ones come from any
  // row with that content; the rest are read from git at once and parsed.
  const wanted = new Map<string, string>(); // blob -> a file name it has
  if (baseTree) for (const [name, blob] of baseTree.entries) wanted.set(blob, name);
  for (const d of deltas.values()) for (const [name, blob] of d.entries ?? []) if (blob) wanted.set(blob, name);
  const fields = new Map<string, FileFields | null>();
  const byBlob = db.prepare('SELECT id, title, status, priority, prio_rank, role, labels, depends_on, created, path FROM task_files WHERE blob = ? AND status IS NOT NULL LIMIT 1');
  const unknown: string[] = [];
  for (const [blob, name] of wanted) {
    const r = byBlob.get(blob) as (FileFields & { path: string }) | undefined;
    if (r && baseName(r.path) === name) {
      const { path: _p, ...f } = r;
      fields.set(blob, f);
    } else unknown.push(blob);
  }
  if (unknown.length) {
    const blobs = catFile(o, unknown);
    unknown.forEach((blob, i) => {
      const obj = blobs[i];
      const name = wanted.get(blob)!;
      if (obj?.type !== 'blob') return fields.set(blob, null);
      try {
        fields.set(blob, fieldsOf(parseTask(obj.data.toString('utf8'), name, o.config)));
      } catch {
        fields.set(blob, null); // unreadable on that branch: not observed there
      }
    });
    out.parsed = unknown.length;
  }

  write(db, () => {
    const at = iso(o.now);
    const affected = new Set<string>();
    const putRow = db.prepare(`INSERT OR REPLACE INTO task_files (source, path, id, title, status, priority, prio_rank, role, labels, depends_on, created, size, mtime_ms, blob, status_since)
      VALUES (@source, @path, @id, @title, @status, @priority, @prio_rank, @role, @labels, @depends_on, @created, NULL, NULL, @blob, @since)`);
    const seen = db.prepare('INSERT OR IGNORE INTO task_blobs (blob, first_seen_at) VALUES (?, ?)');
    const put = (source: string, name: string, blob: string, f: FileFields, prev: { status: Status | null; status_since: string | null } | undefined, notAfter: string) => {
      const since = sinceFor(db, prev, f.status, blob, at, notAfter);
      putRow.run({ source, path: name, ...f, blob, since });
      seen.run(blob, since);
      rememberIds(db, [f], at, source);
    };
    if (baseTree) {
      db.prepare('DELETE FROM task_files WHERE source = ?').run(BASE);
      for (const [name, blob] of baseTree.entries) {
        const f = fields.get(blob);
        if (f) put(BASE, name, blob, f, undefined, baseTree.at);
      }
      db.prepare(`INSERT OR REPLACE INTO task_sources (source, kind, label, stamp, tree, synced_at) VALUES (?, 'base', NULL, ?, ?, ?)`).run(BASE, baseTree.sha, baseTree.sha, at);
    }
    for (const ref of removed) {
      for (const id of db.prepare('SELECT DISTINCT id FROM task_files WHERE source = ?').pluck().all(ref) as string[]) affected.add(id);
      dropSource(db, ref, at);
    }
    const baseIds = new Map((db.prepare('SELECT path, id FROM task_files WHERE source = ?').all(BASE) as { path: string; id: string }[]).map((r) => [r.path, r.id]));
    const setRef = db.prepare(
      `INSERT INTO task_sources (source, kind, label, stamp, tree, tip_at, synced_at) VALUES (?, 'branch', ?, ?, ?, ?, ?)
       ON CONFLICT (source) DO UPDATE SET label = excluded.label, stamp = excluded.stamp, tree = excluded.tree, tip_at = excluded.tip_at, synced_at = excluded.synced_at`,
    );
    for (const d of deltas.values()) {
      const label = d.ref.ref.replace(/^refs\/(heads|remotes)\//, '');
      setRef.run(d.ref.ref, label, d.ref.tip, d.tree, d.ref.at, at);
      if (!d.entries) continue;
      const prev = new Map((db.prepare('SELECT path, id, status, status_since FROM task_files WHERE source = ?').all(d.ref.ref) as { path: string; id: string; status: Status | null; status_since: string | null }[]).map((r) => [r.path, r]));
      for (const p of prev.values()) affected.add(p.id);
      db.prepare('DELETE FROM task_files WHERE source = ?').run(d.ref.ref);
      for (const [name, blob] of d.entries) {
        const f = blob ? fields.get(blob) : null;
        if (f) {
          put(d.ref.ref, name, blob, f, prev.get(name), d.ref.at);
          affected.add(f.id);
        } else {
          // Not on this branch (or unreadable there) though the base has it.
          const id = baseIds.get(name);
          if (!id) continue;
          putRow.run({ source: d.ref.ref, path: name, id, title: null, status: null, priority: null, prio_rank: null, role: null, labels: null, depends_on: null, created: null, blob: null, since: null });
          affected.add(id);
        }
      }
    }
    recomputeTasks(db, baseTree ? 'all' : affected, at);
  });
  out.rebased = Boolean(baseTree);

  // Branches drift from the base as work goes on: when their differences grow past half the base
  // (or a thousand files), the base is made again from HEAD and every branch re-read once.
  if (depth === 0 && !needBase) {
    const deltaRows = db.prepare("SELECT COUNT(*) FROM task_files f JOIN task_sources s ON s.source = f.source WHERE s.kind = 'branch'").pluck().get() as number;
    const baseRows = db.prepare('SELECT COUNT(*) FROM task_files WHERE source = ?').pluck().get(BASE) as number;
    if (deltaRows > Math.max(1000, baseRows / 2)) {
      const head = catFile(o, [`HEAD:${dir}`])[0];
      if ((head?.type === 'tree' ? head.sha : 'none') !== base) {
        write(db, () => {
          db.prepare('DELETE FROM task_sources WHERE source = ?').run(BASE);
          db.prepare("UPDATE task_sources SET stamp = NULL, tree = NULL WHERE kind = 'branch'").run();
        });
        return refreshBranches(db, o, depth + 1);
      }
    }
  }
  return out;
}

function baseName(p: string): string {
  return p.slice(p.lastIndexOf('/') + 1);
}

interface GitObject {
  sha: string;
  type: string;
  data: Buffer;
}

/** Objects by name through ONE `git cat-file --batch`; undefined for a name git does not have. */
function catFile(o: { repo: Repo; env: Env }, names: string[]): (GitObject | undefined)[] {
  if (names.length === 0) return [];
  const r = gitBytes(['cat-file', '--batch'], { cwd: o.repo.root, env: o.env, input: `${names.join('\n')}\n` });
  const out: (GitObject | undefined)[] = [];
  if (!r.ok) return names.map(() => undefined);
  const buf = r.out;
  let i = 0;
  while (i < buf.length && out.length < names.length) {
    const nl = buf.indexOf(0x0a, i);
    if (nl < 0) break;
    const header = buf.toString('utf8', i, nl);
    i = nl + 1;
    const m = /^([0-9a-f]{40,64}) (\w+) (\d+)$/.exec(header);
    if (!m) {
      out.push(undefined); // "<name> missing" (or ambiguous)
      continue;
    }
    const size = Number(m[3]);
    out.push({ sha: m[1]!, type: m[2]!, data: buf.subarray(i, i + size) });
    i += size + 1;
  }
  while (out.length < names.length) out.push(undefined);
  return out;
}

/** The task files of a tree object: name -> blob id (Markdown files only, no dot files, no subfolders). */
function treeEntries(tree: GitObject): Map<string, string> {
  const hashBytes = tree.sha.length / 2;
  const d = tree.data;
  const out = new Map<string, string>();
  let i = 0;
  while (i < d.length) {
    const sp = d.indexOf(0x20, i);
    const nul = d.indexOf(0, sp);
    if (sp < 0 || nul < 0) break;
    const mode = d.toString('latin1', i, sp);
    const name = d.toString('utf8', sp + 1, nul);
    const sha = d.toString('hex', nul + 1, nul + 1 + hashBytes);
    i = nul + 1 + hashBytes;
    if ((mode === '100644' || mode === '100755') && name.endsWith('.md') && !name.startsWith('.')) out.set(name, sha);
  }
  return out;
}
