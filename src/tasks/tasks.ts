import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { record } from '../activity.js';
import { SortieError } from '../errors.js';
import type { MissionRow } from '../missions/missions.js';
import type { Database } from '../store/open.js';
import { read, write } from '../store/write.js';
import { heldElsewhere, NOT_HELD_ELSEWHERE, type CacheRow } from '../remote/cache.js';
import { remoteMessages } from '../remote/messages.js';
import { iso } from '../time.js';
import type { SortieConfig } from '../config/types.js';
import { DIR_MODE, FILE_MODE, writeFileAtomic } from '../files.js';
import { allocateId, type ReserveId } from './allocate.js';
import { collisionOf, describeCollision } from './collisions.js';
import { branchHere, describeOrigin, originFor, recomputeTasks, type TaskOrigin } from './effective.js';
import { findTaskFile, setFrontMatterKey, slug, yamlString } from './file.js';
import { assertTaskId, type IdTemplate } from './ids.js';
import { MAX_TASK_BYTES, TaskParseError, parseTask, type Task, type TaskWithBody } from './parse.js';
import { rowToTask, type TaskRow } from './row.js';
import { recordState, type StateEvent } from './state.js';
import { PRIORITY_LETTER, TERMINAL, assertTransition, canTransition, isStatus, parsePriority, priorityRank, type Priority, type Status } from './status.js';
import { indexTaskFile } from './sync.js';
import { clearIntent, recordIntent, settleIntents } from './intent.js';
import { testSeam } from '../seam.js';

export { rowToTask, type TaskRow };
export type { ReserveId };

/**
 * What the task functions work on: the database, the config and the task files' folder. The world
 * opener's World is one; a test or a script can make its own.
 */
export interface TaskWorld {
  db: Database;
  config: SortieConfig;
  tasksDir: string;
}

export function taskRow(db: Database, id: string): TaskRow | undefined {
  return db.prepare('SELECT * FROM tasks WHERE id = ?').get(id) as TaskRow | undefined;
}

/**
 * The file of a task in this checkout (w.tasksDir), through the index or the folder; undefined
 * when this checkout has no file for it (the task may exist on another branch or worktree).
 */
export function ownTaskFile(w: TaskWorld, id: string): string | undefined {
  const p = w.db.prepare('SELECT path FROM task_files WHERE id = ? AND source = ? AND status IS NOT NULL').pluck().get(id, w.tasksDir) as string | undefined;
  return p && existsSync(p) ? p : findTaskFile(w.tasksDir, id);
}

/** "COMPLETE on feat (not merged into main)": a task's effective status and where it comes from, for this checkout. */
export function stateText(w: Pick<TaskWorld, 'db' | 'tasksDir'>, row: TaskRow): string {
  const o = originFor(w.db, row, w.tasksDir);
  return o ? `${row.status} ${describeOrigin(o, branchHere(w.db, w.tasksDir))}` : row.status;
}

/** The origin of a task's effective state as seen from this checkout (undefined: its own). */
export function originHere(w: Pick<TaskWorld, 'db' | 'tasksDir'>, row: TaskRow): TaskOrigin | undefined {
  return originFor(w.db, row, w.tasksDir);
}

function notFound(w: TaskWorld, id: string): SortieError {
  const row = taskRow(w.db, id);
  if (row) {
    return new SortieError('TASK_NOT_FOUND', `${id} is not in this checkout's ${w.config.tasks.dir}: it is ${stateText(w, row)}`, {
      hint: `its file is on ${row.origin ?? 'another branch'}; work on it there, or merge that branch`,
      data: { task: id, elsewhere: row.origin ?? null },
    });
  }
  return new SortieError('TASK_NOT_FOUND', `no task ${id} in ${w.config.tasks.dir}`, {
    hint: 'sortie task list   (or create it: sortie task new "<title>")',
    data: { task: id },
  });
}

function parseFile(w: TaskWorld, id: string, path: string): TaskWithBody {
  let task: TaskWithBody;
  try {
    if (statSync(path).size > MAX_TASK_BYTES) throw new TaskParseError(path, `the file is larger than ${MAX_TASK_BYTES >> 20} MiB`, undefined);
    task = parseTask(readFileSync(path, 'utf8'), path, w.config);
  } catch (e) {
    if (!(e instanceof TaskParseError)) throw e;
    throw new SortieError('TASK_PARSE', e.message, { hint: `fix the front matter of ${path}`, data: { task: id, path, line: e.line }, cause: e });
  }
  if (task.id !== id) throw new SortieError('TASK_NOT_FOUND', `${path} holds task ${task.id}, not ${id}`);
  return task;
}

/** Reads a task from its file in this checkout (the source of truth for what it is). */
export function readTask(w: TaskWorld, id: string): TaskWithBody {
  assertTaskId(id, w.config);
  const path = ownTaskFile(w, id);
  if (!path) throw notFound(w, id);
  return parseFile(w, id, path);
}

export interface LiveClaim {
  claim_id: number;
  task_id: string;
  claimed_at: string;
  mission: MissionRow;
}

export function liveClaim(db: Database, taskId: string): LiveClaim | undefined {
  const c = db.prepare('SELECT id, task_id, mission_id, claimed_at FROM claims WHERE task_id = ? AND released_at IS NULL').get(taskId) as
    | { id: number; task_id: string; mission_id: number; claimed_at: string }
    | undefined;
  if (!c) return undefined;
  const mission = db.prepare('SELECT * FROM missions WHERE id = ?').get(c.mission_id) as MissionRow;
  return { claim_id: c.id, task_id: c.task_id, claimed_at: c.claimed_at, mission };
}

/** The live claims on these tasks, with their holders, in one query (a board page's worth). */
export function liveClaimsOn(db: Database, taskIds: readonly string[]): LiveClaim[] {
  if (taskIds.length === 0) return [];
  const rows = db
    .prepare(
      `SELECT c.id AS c_id, c.task_id AS c_task, c.claimed_at AS c_at, m.* FROM claims c JOIN missions m ON m.id = c.mission_id
       WHERE c.released_at IS NULL AND c.task_id IN (${taskIds.map(() => '?').join(',')})`,
    )
    .all(...taskIds) as (MissionRow & { c_id: number; c_task: string; c_at: string })[];
  return rows.map(({ c_id, c_task, c_at, ...mission }) => ({ claim_id: c_id, task_id: c_task, claimed_at: c_at, mission }));
}

export interface ClaimRecord {
  task_id: string;
  claimed_at: string;
  released_at: string | null;
  release_reason: string | null;
}

/** Every claim a mission made, held or released, oldest first. */
export function missionClaims(db: Database, missionId: number): ClaimRecord[] {
  return db.prepare('SELECT task_id, claimed_at, released_at, release_reason FROM claims WHERE mission_id = ? ORDER BY claimed_at').all(missionId) as ClaimRecord[];
}

export function claimsOf(db: Database, missionId: number): { task_id: string; claimed_at: string }[] {
  return db.prepare('SELECT task_id, claimed_at FROM claims WHERE mission_id = ? AND released_at IS NULL ORDER BY claimed_at').all(missionId) as {
    task_id: string;
    claimed_at: string;
  }[];
}

/**
 * Writes a new status into this checkout's task file (in place: the status line only, so the diff
 * is one line and merges cleanly) and refreshes its row; the caller recomputes the effective row.
 * Nothing is written when this checkout has no file for the task.
 */
function writeStatus(w: TaskWorld, l: Pick<Locked, 'task' | 'file'>, to: Status, now: Date): Task {
  if (!l.file || l.task.status === to) return { ...l.task, status: to };
  const text = readFileSync(l.file, 'utf8');
  const after = setFrontMatterKey(text, 'status', to);
  // Inside withTaskLocked's transaction: the intent recorded first lets the next process undo the
  // file write if the transaction never commits (tasks/intent.ts).
  recordIntent(w.db, { task: l.task.id, path: l.file, before: text, after });
  writeFileAtomic(l.file, after);
  testSeam('task-file-written');
  const next = { ...l.task, status: to };
  indexTaskFile(w.db, next, now, { recompute: false });
  return next;
}

export interface CreateTaskInput {
  title: string;
  priority?: string | undefined;
  role?: string | undefined;
  labels?: string[] | undefined;
  dependsOn?: string[] | undefined;
  body?: string | undefined;
  prefix?: string | undefined;
  status?: string | undefined;
}

/**
 * Creates a task file with the next free id: one never handed out or seen in any worktree, branch
 * or in what the database has seen (tasks/allocate.ts), even with creators in several worktrees at
 * once. `reserve` is asked before the file is written (issue 12: a reservation on the remote); when
 * it says the id is taken elsewhere, the next one is tried.
 */
export function createTask(w: TaskWorld, actor: MissionRow | undefined, input: CreateTaskInput, now: Date, o: { reserve?: ReserveId | undefined } = {}): Task {
  const title = input.title.replace(/[\x00-\x1f\x7f]/g, ' ').trim();
  if (!title) throw new SortieError('USAGE', 'a task needs a title', { hint: 'sortie task new "Fix the login redirect"' });
  const priority = parsePriority(input.priority);
  if (!priority) throw new SortieError('USAGE', `unknown priority "${input.priority}"`, { hint: 'use critical, high, medium or low' });
  const status = (input.status ?? 'TODO').toUpperCase();
  if (!isStatus(status) || (status !== 'TODO' && status !== 'BLOCKED' && status !== 'PAUSED')) {
    throw new SortieError('USAGE', `a new task starts as TODO, BLOCKED or PAUSED, not "${input.status}"`);
  }
  const deps = (input.dependsOn ?? []).map((d) => assertTaskId(d, w.config));
  const prefix = input.prefix ?? w.config.tasks.prefix;
  const role = input.role ?? prefix;
  if (!/^[A-Za-z][A-Za-z0-9]*$/.test(prefix) || !/^[A-Za-z][A-Za-z0-9]*$/.test(role)) {
    throw new SortieError('USAGE', `prefix and role must be letters and digits, got "${prefix}" / "${role}"`);
  }
  mkdirSync(w.tasksDir, { recursive: true, mode: DIR_MODE });
  const created = iso(now);
  for (;;) {
    const id = allocateId(w, { prefix, role, letter: PRIORITY_LETTER[priority], title, created, now, reserve: o.reserve });
    const task = write(w.db, () => {
      const path = writeTaskFile(w.tasksDir, { id, title, status, priority, role: input.role, labels: input.labels, dependsOn: deps, created, body: input.body });
      // A file of that name appeared though its id was free (made by hand, not synced yet): the
      // id stays taken, the next one is tried.
      if (path === undefined) return undefined;
      const task = parseTask(readFileSync(path, 'utf8'), path, w.config);
      indexTaskFile(w.db, task, now);
      record(w.db, { kind: 'task.created', at: iso(now), missionId: actor?.id, agent: actor?.agent, taskId: id, detail: { title } });
      return task;
    });
    if (task) return task;
  }
}

/**
 * The highest number the id template has used with its prefix: among every id the database has
 * seen or handed out (task_ids: every worktree's and branch's files as synced), the effective
 * view, the names in this checkout's task folder (a file not indexed yet counts) and `also`.
 * Inside write() for a number that is still free when it is taken.
 */
export function highestTaskNumber(w: TaskWorld, ids: IdTemplate, also: Iterable<string> = []): number {
  let max = 0;
  const consider = (id: string) => (max = Math.max(max, ids.numberOf(id) ?? 0));
  for (const id of w.db.prepare('SELECT id FROM task_ids').pluck().all() as string[]) consider(id);
  for (const id of taskIds(w.db)) consider(id);
  let names: string[] = [];
  try {
    names = readdirSync(w.tasksDir);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  for (const name of names) consider(name);
  for (const id of also) consider(id);
  return max;
}

export function taskIds(db: Database): string[] {
  return db.prepare('SELECT id FROM tasks').pluck().all() as string[];
}

export interface TaskFileFields {
  id: string;
  title: string;
  status: Status;
  priority: Priority;
  role?: string | undefined;
  labels?: string[] | undefined;
  dependsOn?: string[] | undefined;
  created?: string | undefined;
  /** When it was closed (COMPLETE or ABORTED), for tasks brought in from another tool. */
  closed?: string | undefined;
  /** Where it came from (`site-nine:OPR-H-0032`), for imported tasks. */
  source?: string | undefined;
  body?: string | undefined;
}

/** The text of a task file: YAML front matter in sortie's field order, then the body. */
function taskFileText(t: TaskFileFields): string {
  return [
    '---',
    `id: ${t.id}`,
    `title: ${yamlString(t.title)}`,
    `status: ${t.status}`,
    `priority: ${t.priority}`,
    ...(t.role ? [`role: ${yamlString(t.role)}`] : []),
    ...(t.labels?.length ? [`labels: [${t.labels.map(yamlString).join(', ')}]`] : []),
    ...(t.dependsOn?.length ? [`depends_on: [${t.dependsOn.join(', ')}]`] : []),
    ...(t.created ? [`created: ${t.created}`] : []),
    ...(t.closed ? [`closed: ${t.closed}`] : []),
    ...(t.source ? [`source: ${yamlString(t.source)}`] : []),
    '---',
    '',
    (t.body ?? '').trim(),
    '',
  ].join('\n');
}

/**
 * Creates the file of a task whose id is already decided (`<dir>/<id>-<slug>.md`), exclusively: an
 * existing file is never overwritten. Returns its path, or undefined when that file exists.
 * Indexing is the caller's.
 */
export function writeTaskFile(dir: string, t: TaskFileFields): string | undefined {
  const path = join(dir, `${t.id}-${slug(t.title) || 'task'}.md`);
  try {
    writeFileSync(path, taskFileText(t), { flag: 'wx', mode: FILE_MODE });
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'EEXIST') return undefined;
    throw e;
  }
  return path;
}

export interface ClaimResult {
  task: Task;
  already: boolean;
  /** False when this checkout has no file for the task: the claim is recorded, no file changed here. */
  here: boolean;
  /** Set when a person's forced claim reopened a closed task. */
  reopened?: boolean | undefined;
}

export interface Locked {
  /** The task: this checkout's file when it has one, else what the shared view knows of it. */
  task: TaskWithBody;
  /** This checkout's file of the task; undefined when the task exists only elsewhere. */
  file: string | undefined;
  /** Its effective state across checkouts (undefined: not indexed yet; then the file's status). */
  row: TaskRow | undefined;
  /** The status every decision starts from: the effective one. */
  status: Status;
  held: LiveClaim | undefined;
  now: Date;
  at: string;
}

/** The task, its effective state and its file in this checkout, read under the caller's lock. */
function lockedView(w: TaskWorld, id: string): Pick<Locked, 'task' | 'file' | 'row' | 'status'> {
  const row = taskRow(w.db, id);
  const file = ownTaskFile(w, id);
  if (file) {
    const task = parseFile(w, id, file);
    return { task, file, row, status: row?.status ?? task.status };
  }
  if (!row) throw notFound(w, id);
  return { task: { ...rowToTask(row), body: '', data: {} }, file: undefined, row, status: row.status };
}

/**
 * Reads a task, its effective state and its live claim under the database's write lock (BEGIN
 * IMMEDIATE), so whatever fn decides from them cannot be raced by another writer: every claim and
 * status change goes here.
 */
export function withTaskLocked<T>(w: TaskWorld, id: string, now: Date, fn: (l: Locked) => T): T {
  assertTaskId(id, w.config);
  const at = iso(now);
  let out: T;
  try {
    out = write(w.db, () => {
      // A change to this task that a crash left half done is settled first (tasks/intent.ts).
      settleIntents(w.db, id);
      return fn({ ...lockedView(w, id), held: liveClaim(w.db, id), now, at });
    });
  } catch (e) {
    // Rolled back after the file was written (an error, not a kill): put the file back now.
    try {
      write(w.db, () => settleIntents(w.db, id));
    } catch {
      // the next sortie process does it
    }
    throw e;
  }
  testSeam('task-committed');
  clearIntent(w.db, id);
  return out;
}


/** For changes that edit the file itself (`task edit`): this checkout must have it. */
export function requireHere(w: TaskWorld, l: Locked): string {
  if (!l.file) throw notFound(w, l.task.id);
  return l.file;
}

/**
 * The claim is a compare-and-swap: read the live claim and write ours while holding the write
 * lock. The partial unique index on live claims backs it up in the schema.
 */
export function claimTask(w: TaskWorld, actor: MissionRow, id: string, now: Date, opts: { force?: boolean } = {}): ClaimResult {
  return withTaskLocked(w, id, now, (l) => claimLocked(w, actor, l, opts));
}

/**
 * Whether `claimTask` would refuse, without claiming (a read, no lock): a claim shared through the
 * git remote asks this before it publishes anything. Throws the refusal claimTask would throw;
 * `already`: the actor holds it here.
 */
export function claimPrecheck(w: TaskWorld, actor: MissionRow, id: string, now: Date, opts: { force?: boolean } = {}): { already: boolean } {
  assertTaskId(id, w.config);
  return read(w.db, () => {
    const l: Locked = { ...lockedView(w, id), held: liveClaim(w.db, id), now, at: iso(now) };
    if (l.held && l.held.mission.id === actor.id) return { already: true };
    claimRefusal(w, actor, l, opts, { remote: false });
    return { already: false };
  });
}

function stateOf(w: TaskWorld, l: Pick<Locked, 'row' | 'status'>): string {
  return l.row ? stateText(w, { ...l.row, status: l.status }) : l.status;
}

/**
 * A closed task (COMPLETE or ABORTED anywhere) opens again only by a person, recorded as a reopen:
 * the terminal states seen up to now no longer count (tasks/effective.ts). The caller recomputes.
 */
function reopenLocked(w: TaskWorld, actor: MissionRow, l: Locked, how: string, note?: string): void {
  const id = l.task.id;
  if (actor.kind !== 'person') {
    throw new SortieError('NOT_CLAIMABLE', `${id} is ${stateOf(w, l)}; only a person can reopen a closed task`, {
      hint: 'pick another task (sortie ready), or ask a person to reopen it: sortie task reopen ' + id,
      data: { task: id, status: l.status, origin: l.row?.origin ?? null },
    });
  }
  recordState(w.db, { id, status: 'TODO', at: l.at, missionId: actor.id, source: w.tasksDir, event: 'reopened' });
  record(w.db, { kind: 'task.reopened', at: l.at, missionId: actor.id, agent: actor.agent, taskId: id, detail: { from: l.status, on: l.row?.origin ?? undefined, by: how, note } });
}

/** The claim itself, given a task and its live claim read under the write lock. */
function claimLocked(w: TaskWorld, actor: MissionRow, l: Locked, opts: { force?: boolean }): ClaimResult {
  const { task, held, now, at } = l;
  const id = task.id;
  if (held && held.mission.id === actor.id) return { task, already: true, here: Boolean(l.file) };
  claimRefusal(w, actor, l, opts, { remote: true });
  let from = l.status;
  let reopened = false;
  if (TERMINAL.has(from)) {
    reopenLocked(w, actor, l, 'claim --force');
    from = 'TODO';
    reopened = true;
  }
  if (!opts.force) assertTransition(id, from, 'UNDERWAY');
  w.db.prepare('INSERT INTO claims (task_id, mission_id, claimed_at) VALUES (?, ?, ?)').run(id, actor.id, at);
  const next = writeStatus(w, l, 'UNDERWAY', now);
  recordState(w.db, { id, status: 'UNDERWAY', at, missionId: actor.id, source: w.tasksDir, event: 'claimed' });
  recomputeTasks(w.db, [id], at);
  record(w.db, { kind: 'task.claimed', at, missionId: actor.id, agent: actor.agent, taskId: id, detail: { from, forced: opts.force || undefined, elsewhere: l.file ? undefined : (l.row?.origin ?? true) } });
  return { task: next, already: false, here: Boolean(l.file), reopened: reopened || undefined };
}

/**
 * Why this actor cannot claim the task now (thrown), read under the caller's lock or read
 * transaction: held here by another mission, held by another clone (as the cache of the git
 * remote last saw it: with `remote` false the caller asks the remote itself), an id collision, a
 * closed task (a person's --force reopens it), or a transition the status does not allow.
 */
function claimRefusal(w: TaskWorld, actor: MissionRow, l: Locked, opts: { force?: boolean }, o: { remote: boolean }): void {
  const { task, held } = l;
  const id = task.id;
  if (held) {
    throw new SortieError('CLAIM_HELD', `${id} is held by ${held.mission.codename} (${held.mission.agent}, mission #${held.mission.id}) since ${held.claimed_at}`, {
      hint:
        held.mission.kind === 'person'
          ? `ask ${held.mission.person ?? 'them'} to run \`sortie task release ${id}\`, or pick another task (sortie status)`
          : `pick another task (sortie status), or wait for ${held.mission.codename} to hand it off; a person can force it: sortie task release ${id} --force`,
      data: {
        task: id,
        holder: { mission: held.mission.id, codename: held.mission.codename, agent: held.mission.agent, person: held.mission.person, since: held.claimed_at },
      },
    });
  }
  if (o.remote) {
    const elsewhere = heldElsewhere(w.db, id);
    if (elsewhere) {
      const m = remoteMessages.heldElsewhere(id, elsewhere, Boolean(opts.force));
      throw new SortieError('CLAIM_HELD', m.message, { hint: m.hint, data: { task: id, holder: holderOfRow(elsewhere) } });
    }
  }
  const collision = collisionOf(w.db, id);
  if (collision) {
    throw new SortieError('ID_COLLISION', `${id} names ${collision.variants.length} different tasks: ${describeCollision(collision)}`, {
      hint: `renumber one of them first (sortie doctor says which and where): sortie task renumber ${id}`,
      data: { task: id },
    });
  }
  const from = l.status;
  if (TERMINAL.has(from)) {
    if (!opts.force) {
      throw new SortieError('NOT_CLAIMABLE', `${id} is ${stateOf(w, l)}; closed tasks cannot be claimed`, {
        hint: `a person can reopen it: sortie task reopen ${id}   (or sortie task claim ${id} --force)`,
        data: { task: id, status: from, origin: l.row?.origin ?? null },
      });
    }
    if (actor.kind !== 'person') reopenLocked(w, actor, l, 'claim --force'); // throws: only a person reopens
    return;
  }
  if (!opts.force) assertTransition(id, from, 'UNDERWAY');
}

/** A claim another clone holds, in the shape of a local holder (--json `holder`), with where it is. */
export function holderOfRow(r: CacheRow): Record<string, unknown> {
  return { mission: r.mission, codename: r.codename, agent: r.agent, person: r.person, since: r.since ?? r.changed_at, host: r.host, clone: r.clone, remote: r.remote, expires: r.expires };
}

export interface NextPick {
  task: Task;
  /** `waiting`: UNDERWAY with nobody holding it (a mission ended mid-way); `ready`: TODO with its dependencies done. */
  kind: 'ready' | 'waiting';
}

/**
 * What can be started now, best first: ready and waiting tasks merged by priority, a task waiting
 * for pickup before a fresh one of the same priority (finish what was started).
 */
export function startable(db: Database, limit: number): NextPick[] {
  const ready = readyTasks(db, limit).map((task) => ({ task, kind: 'ready' as const }));
  const waiting = waitingTasks(db, limit).map((task) => ({ task, kind: 'waiting' as const }));
  const rank = (p: NextPick) => priorityRank(p.task.priority) * 2 + (p.kind === 'waiting' ? 0 : 1);
  return [...waiting, ...ready].sort((a, b) => rank(a) - rank(b) || a.task.id.localeCompare(b.task.id)).slice(0, limit);
}

/**
 * `sortie next --claim`: picks the first startable task and claims it in ONE write transaction,
 * through the same compare-and-swap as `task claim`. Concurrent callers queue on the write lock,
 * and each sees the claims of those before it, so they get different tasks. Returns undefined
 * when nothing can be started.
 */
export function claimNext(w: TaskWorld, actor: MissionRow, now: Date): (ClaimResult & { kind: NextPick['kind'] }) | undefined {
  const at = iso(now);
  let out: (ClaimResult & { kind: NextPick['kind'] }) | undefined;
  try {
    out = write(w.db, () => {
      // Whatever a crash left half done is settled before the files are read (tasks/intent.ts).
      settleIntents(w.db);
      // A handful of candidates: one whose file no longer agrees with the index (edited by hand,
      // unreadable) is skipped rather than failing the pick.
      for (const pick of startable(w.db, 20)) {
        let view: Pick<Locked, 'task' | 'file' | 'row' | 'status'>;
        try {
          view = lockedView(w, pick.task.id);
        } catch (e) {
          if (e instanceof SortieError && (e.code === 'TASK_PARSE' || e.code === 'TASK_NOT_FOUND')) continue;
          throw e;
        }
        const held = liveClaim(w.db, view.task.id);
        if (held || TERMINAL.has(view.status) || !canTransition(view.status, 'UNDERWAY') || collisionOf(w.db, view.task.id)) continue;
        return { ...claimLocked(w, actor, { ...view, held, now, at }, {}), kind: pick.kind };
      }
      return undefined;
    });
  } catch (e) {
    try {
      write(w.db, () => settleIntents(w.db));
    } catch {
      // the next sortie process does it
    }
    throw e;
  }
  if (out) clearIntent(w.db, out.task.id);
  return out;
}

export type StatusVerb = 'done' | 'abort' | 'block' | 'pause' | 'review' | 'release' | 'handoff';

const TARGET: Record<StatusVerb, Status | undefined> = {
  done: 'COMPLETE',
  abort: 'ABORTED',
  block: 'BLOCKED',
  pause: 'PAUSED',
  review: 'REVIEW',
  release: 'TODO',
  handoff: undefined, // stays UNDERWAY: waiting for pickup, with the notes
};

/** Verbs after which the task is no longer held by anyone. */
const ENDS_CLAIM: ReadonlySet<StatusVerb> = new Set(['done', 'abort', 'block', 'pause', 'release', 'handoff']);

export interface ChangeResult {
  task: Task;
  /** The task had that status already and nothing changed (no write, no history row). */
  already: boolean;
  released: boolean;
  forced: boolean;
  previousHolder: string | undefined;
  /** False when this checkout has no file for the task: the change is recorded, no file changed here. */
  here: boolean;
}

/**
 * Every status change after creation and claim: only the holder acts on a held task; `force`
 * lets a person repair a record (e.g. a claim left by a crashed agent), and is recorded as forced.
 */
export function changeTask(w: TaskWorld, actor: MissionRow, id: string, verb: StatusVerb, now: Date, opts: { force?: boolean; note?: string } = {}): ChangeResult {
  return withTaskLocked(w, id, now, (l) => {
      const { task, held, now, at } = l;
      const mine = held?.mission.id === actor.id;
      if (held && !mine && !opts.force) {
        throw new SortieError('NOT_HOLDER', `${id} is held by ${held.mission.codename} (${held.mission.agent}) since ${held.claimed_at}; only the holder can ${verb} it`, {
          hint: `a person can override: sortie task ${verb} ${id} --force`,
          data: { task: id, holder: { mission: held.mission.id, codename: held.mission.codename, agent: held.mission.agent } },
        });
      }
      // Held in another clone (as the cache of the git remote says): only its holder acts there.
      const elsewhere = held ? undefined : heldElsewhere(w.db, id);
      if (elsewhere && !opts.force) {
        const m = remoteMessages.heldElsewhere(id, elsewhere, false);
        throw new SortieError('NOT_HOLDER', `${m.message}; only the holder can ${verb} it`, {
          hint: `a person can override once its lease lapses (${elsewhere.expires ?? 'never'}), or at once: sortie task ${verb} ${id} --force`,
          data: { task: id, holder: holderOfRow(elsewhere) },
        });
      }
      if (elsewhere && actor.kind !== 'person') {
        throw new SortieError('NOT_HOLDER', `only a person can force a change on a task held in another clone (${elsewhere.codename})`, { hint: 'run the command from your own terminal, outside the agent' });
      }
      if (!held && !elsewhere && (verb === 'release' || verb === 'handoff') && !opts.force) {
        throw new SortieError('NOT_HOLDER', `${id} is not claimed by anyone; there is nothing to ${verb}`, { hint: `sortie task claim ${id}` });
      }
      if (held && !mine && opts.force && actor.kind !== 'person') {
        throw new SortieError('NOT_HOLDER', `only a person can force a change on a task held by another mission (${held.mission.codename})`, {
          hint: 'run the command from your own terminal, outside the agent',
        });
      }
      const from = l.status;
      const to = TARGET[verb] ?? from;
      // release of a task that is not UNDERWAY (e.g. REVIEW) keeps its status.
      const target = verb === 'release' && from !== 'UNDERWAY' ? from : to;
      if (TERMINAL.has(from) && target === from) return { task: { ...task, status: from }, already: true, released: false, forced: false, previousHolder: undefined, here: Boolean(l.file) };
      if (TERMINAL.has(from)) {
        // Out of a closed state: a reopen, a person's repair only.
        if (!opts.force) {
          throw new SortieError('TRANSITION', `${id} is ${stateOf(w, l)}; it cannot move to ${target}`, {
            hint: `${from} is final; a person can reopen it: sortie task reopen ${id}`,
            data: { task: id, from, to: target },
          });
        }
        reopenLocked(w, actor, l, `${verb} --force`, opts.note);
      }
      assertTransition(id, from, target, opts.force);
      const next = writeStatus(w, l, target, now);
      const forced = Boolean(held && !mine);
      let released = false;
      if (held && ENDS_CLAIM.has(verb)) {
        w.db.prepare('UPDATE claims SET released_at = ?, release_reason = ? WHERE id = ?').run(at, forced ? `forced-${verb}` : verb, held.claim_id);
        released = true;
        record(w.db, {
          kind: verb === 'handoff' ? 'task.handoff' : 'task.released',
          at,
          missionId: actor.id,
          agent: actor.agent,
          taskId: id,
          detail: { reason: verb, forced: forced || undefined, holder: forced ? held.mission.codename : undefined, note: opts.note },
        });
      } else if (verb === 'handoff' && opts.note) {
        record(w.db, { kind: 'task.handoff', at, missionId: actor.id, agent: actor.agent, taskId: id, detail: { note: opts.note } });
      }
      if (target !== from) {
        record(w.db, { kind: 'task.status', at, missionId: actor.id, agent: actor.agent, taskId: id, detail: { from, to: target, forced: opts.force || undefined } });
      }
      const event: StateEvent = verb === 'release' ? 'released' : verb === 'handoff' ? 'handoff' : 'status';
      if (target !== from || released) recordState(w.db, { id, status: target, at, missionId: actor.id, source: w.tasksDir, event });
      recomputeTasks(w.db, [id], at);
      const already = verb !== 'handoff' && verb !== 'release' && target === from && !released;
      return { task: next, already, released, forced, previousHolder: held && !mine ? held.mission.codename : undefined, here: Boolean(l.file) };
  });
}

/**
 * A person reopens a closed task (COMPLETE or ABORTED, here or on any branch or worktree): it is
 * TODO again, the reopen is recorded, and the terminal states seen until now no longer count.
 */
export function reopenTask(w: TaskWorld, actor: MissionRow, id: string, now: Date, opts: { note?: string } = {}): ChangeResult & { from: Status; origin: string | null } {
  return withTaskLocked(w, id, now, (l) => {
    if (!TERMINAL.has(l.status)) {
      throw new SortieError('TRANSITION', `${id} is ${stateOf(w, l)}, not closed; there is nothing to reopen`, { hint: `sortie task show ${id}`, data: { task: id, status: l.status } });
    }
    reopenLocked(w, actor, l, 'reopen', opts.note);
    const next = writeStatus(w, l, 'TODO', now);
    record(w.db, { kind: 'task.status', at: l.at, missionId: actor.id, agent: actor.agent, taskId: id, detail: { from: l.status, to: 'TODO', reopened: true } });
    recomputeTasks(w.db, [id], l.at);
    return { task: next, already: false, released: false, forced: false, previousHolder: undefined, here: Boolean(l.file), from: l.status, origin: l.row?.origin ?? null };
  });
}

export interface ListFilter {
  status?: Status[] | undefined;
  role?: string | undefined;
  label?: string | undefined;
}

export type ListedTask = Task & { holder: { codename: string; agent: string; mission: number; since: string; host?: string } | null; origin: TaskOrigin | undefined };

/** The effective tasks with their holders; origins relative to the checkout whose task folder is `here`. */
export function listTasks(db: Database, f: ListFilter = {}, here?: string): ListedTask[] {
  const where: string[] = [];
  const args: unknown[] = [];
  if (f.status?.length) (where.push(`t.status IN (${f.status.map(() => '?').join(',')})`), args.push(...f.status));
  if (f.role) (where.push('t.role = ?'), args.push(f.role));
  const rows = db
    .prepare(
      `SELECT t.*, COALESCE(m.codename, r.codename) AS h_codename, COALESCE(m.agent, r.agent) AS h_agent, COALESCE(m.id, r.mission) AS h_mission,
         COALESCE(c.claimed_at, r.since) AS h_since, CASE WHEN m.id IS NULL AND r.task IS NOT NULL THEN r.host END AS h_host
       FROM tasks t
       LEFT JOIN claims c ON c.task_id = t.id AND c.released_at IS NULL
       LEFT JOIN missions m ON m.id = c.mission_id
       LEFT JOIN remote_claims r ON r.task = t.id AND r.state = 'held' AND r.clone IS NOT (SELECT value FROM meta WHERE key = 'clone_id')
       ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY t.prio_rank, t.id`,
    )
    .all(...args) as (TaskRow & { h_codename: string | null; h_agent: string; h_mission: number; h_since: string; h_host: string | null })[];
  const out = rows.map((r) => ({
    ...rowToTask(r),
    holder: r.h_codename ? { codename: r.h_codename, agent: r.h_agent, mission: r.h_mission, since: r.h_since, ...(r.h_host ? { host: r.h_host } : {}) } : null,
    origin: r.origin_source || r.origin ? originFor(db, r, here) : undefined,
  }));
  return f.label ? out.filter((t) => t.labels.includes(f.label!)) : out;
}

/**
 * TODO tasks whose dependencies are all COMPLETE, best priority first. The dependency check is in
 * SQL so SQLite walks the (status, priority, id) index and stops at the limit: a start-up on 10,000
 * tasks reads a handful of rows, not every TODO.
 */
export function readyTasks(db: Database, limit = 20): Task[] {
  const rows = db
    .prepare(
      `SELECT t.* FROM tasks t WHERE t.status = 'TODO'
       AND NOT EXISTS (SELECT 1 FROM json_each(t.depends_on) d LEFT JOIN tasks x ON x.id = d.value WHERE x.status IS NOT 'COMPLETE')
       ORDER BY t.prio_rank, t.id LIMIT ?`,
    )
    .all(limit) as TaskRow[];
  return rows.map(rowToTask);
}

const WAITING = `FROM tasks t WHERE t.status = 'UNDERWAY'
  AND NOT EXISTS (SELECT 1 FROM claims c WHERE c.task_id = t.id AND c.released_at IS NULL) AND ${NOT_HELD_ELSEWHERE}`;

/** UNDERWAY tasks nobody holds: released by an ended or reaped mission, waiting for pickup. */
export function waitingTasks(db: Database, limit = -1): Task[] {
  const rows = db.prepare(`SELECT t.* ${WAITING} ORDER BY t.prio_rank, t.id LIMIT ?`).all(limit) as TaskRow[];
  return rows.map(rowToTask);
}

export function countWaiting(db: Database): number {
  return db.prepare(`SELECT COUNT(*) ${WAITING}`).pluck().get() as number;
}

/** The most recent claim on a task, live or released, with its mission: who had it last. */
export function lastClaim(db: Database, taskId: string): { claimed_at: string; released_at: string | null; release_reason: string | null; mission: MissionRow } | undefined {
  const c = db.prepare('SELECT mission_id, claimed_at, released_at, release_reason FROM claims WHERE task_id = ? ORDER BY claimed_at DESC, id DESC LIMIT 1').get(taskId) as
    | { mission_id: number; claimed_at: string; released_at: string | null; release_reason: string | null }
    | undefined;
  if (!c) return undefined;
  const mission = db.prepare('SELECT * FROM missions WHERE id = ?').get(c.mission_id) as MissionRow;
  return { claimed_at: c.claimed_at, released_at: c.released_at, release_reason: c.release_reason, mission };
}

export interface PickupNote {
  note: string;
  /** Codename of the mission that left it. */
  from: string | null;
  at: string;
}

/**
 * The notes for whoever picks a task up: its last `task handoff` note, unless the task was taken
 * and let go again since, in which case the handoff (or summary) of the mission that let it go.
 */
export function pickupNote(db: Database, taskId: string): PickupNote | undefined {
  const here = localPickupNote(db, taskId);
  // A handoff made in another clone (its notes travel in the claim on the git remote), when later.
  const there = db
    .prepare("SELECT r.note, r.codename, r.changed_at FROM remote_claims r WHERE r.task = ? AND r.state = 'handed-off' AND r.note IS NOT NULL AND r.clone IS NOT (SELECT value FROM meta WHERE key = 'clone_id')")
    .get(taskId) as { note: string; codename: string | null; changed_at: string } | undefined;
  if (there && (!here || there.changed_at > here.at)) return { note: there.note, from: there.codename, at: there.changed_at };
  return here;
}

function localPickupNote(db: Database, taskId: string): PickupNote | undefined {
  const h = db
    .prepare(
      `SELECT a.detail, a.at, m.codename FROM activity a LEFT JOIN missions m ON m.id = a.mission_id
       WHERE a.task_id = ? AND a.kind = 'task.handoff' ORDER BY a.at DESC LIMIT 1`,
    )
    .get(taskId) as { detail: string | null; at: string; codename: string | null } | undefined;
  const note = h?.detail ? (JSON.parse(h.detail) as { note?: string }).note : undefined;
  const last = lastClaim(db, taskId);
  if (note && (!last?.released_at || h!.at >= last.released_at)) return { note, from: h!.codename, at: h!.at };
  const text = last?.released_at ? (last.mission.handoff ?? last.mission.summary) : undefined;
  if (last?.released_at && text) return { note: text, from: last.mission.codename, at: last.released_at };
  return note ? { note, from: h!.codename, at: h!.at } : undefined;
}

/** Task ids for completion: open tasks first, then closed ones, each by id, at most `limit`. */
export function taskIdsOpenFirst(db: Database, limit: number): string[] {
  return db.prepare("SELECT id FROM tasks ORDER BY status IN ('COMPLETE', 'ABORTED'), id LIMIT ?").pluck().all(limit) as string[];
}

/** Whether any task id starts with this prefix and a dash: `UTF-8` is not a task id where no `UTF-` task exists. */
export function prefixInUse(db: Database, prefix: string): boolean {
  return db.prepare("SELECT 1 FROM tasks WHERE id LIKE ? || '-%' ESCAPE '\\' LIMIT 1").get(prefix.replace(/[%_\\]/g, '\\$&')) !== undefined;
}

/** How many tasks have each status. */
export function countByStatus(db: Database): Record<string, number> {
  return Object.fromEntries((db.prepare('SELECT status, COUNT(*) AS n FROM tasks GROUP BY status').all() as { status: string; n: number }[]).map((r) => [r.status, r.n]));
}

export interface OrphanClaim {
  task_id: string;
  codename: string;
  /** Set when the holder's mission has ended (else the task file is missing). */
  ended_at: string | null;
}

/** Live claims that should not be: held by an ended mission, or on a task that has no file. */
export function orphanClaims(db: Database): OrphanClaim[] {
  return db
    .prepare(
      `SELECT c.task_id, m.codename, m.ended_at FROM claims c JOIN missions m ON m.id = c.mission_id
       WHERE c.released_at IS NULL AND (m.ended_at IS NOT NULL OR NOT EXISTS (SELECT 1 FROM tasks t WHERE t.id = c.task_id))`,
    )
    .all() as OrphanClaim[];
}
