import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, gitBytes, type Env, type Repo } from '../git.js';
import { deflate, sha1Hex } from '../lazy.js';

/**
 * The git side of shared claims: objects built without a working tree or an index, and every
 * write to the remote ONE `git push --atomic --porcelain --force-with-lease=<ref>:<expected>`: the
 * server updates refs atomically, so the lease is a compare-and-swap on any git host.
 */

export const CLAIMS = 'refs/sortie/claims/';
export const IDS = 'refs/sortie/ids/';
export const claimRef = (id: string) => `${CLAIMS}${id}`;
export const idRef = (id: string) => `${IDS}${id}`;
/** Where this clone keeps its copy of the remote's claim refs (fetched, never pushed). */
export const mirrorPrefix = (remote: string) => `refs/sortie-remote/${remote}/claims/`;

export interface Remote {
  /** The git remote's name (`origin`). */
  name: string;
  repo: Repo;
  env: Env;
  /** The longest one push or fetch may take. */
  timeoutMs: number;
}

/** How long a push or fetch may take before it counts as the remote being unreachable. */
export const NETWORK_TIMEOUT_MS = 15_000;

const run = (r: Remote, args: string[], o: { input?: string; network?: boolean } = {}) =>
  git(args, {
    cwd: r.repo.root,
    // No prompt can be answered by an agent: credentials come from helpers, keys and agents, as for git push.
    env: { ...r.env, GIT_TERMINAL_PROMPT: '0', ...SORTIE_IDENTITY },
    keepTransportEnv: o.network,
    timeoutMs: o.network ? r.timeoutMs : undefined,
    input: o.input,
  });

// Claim commits are sortie's records, not anyone's work: a fixed identity, so they build in a
// clone without user.name (the person is in claim.json).
const SORTIE_IDENTITY = { GIT_AUTHOR_NAME: 'sortie', GIT_AUTHOR_EMAIL: 'sortie@localhost', GIT_COMMITTER_NAME: 'sortie', GIT_COMMITTER_EMAIL: 'sortie@localhost' };

/** The URL of a configured remote, credentials masked; undefined when there is no such remote. */
export function remoteUrl(repo: Repo, env: Env, name: string): string | undefined {
  const fast = urlFromConfigFile(repo, name);
  if (fast !== null) return fast === undefined ? undefined : maskCredentials(fast);
  const r = git(['config', '--get', `remote.${name}.url`], { cwd: repo.root, env });
  return r.ok && r.out ? maskCredentials(r.out) : undefined;
}

/** Whether the clone has this remote, from its config file alone (no git): for hooks. Unsure (includes) counts as yes. */
export function hasRemoteUrl(repo: Repo, name: string): boolean {
  return urlFromConfigFile(repo, name) !== undefined;
}

/**
 * The remote's url read from the clone's own config file, without spawning git: every command
 * asks. null: the file cannot settle it (includes, quoting), ask git.
 */
function urlFromConfigFile(repo: Repo, name: string): string | undefined | null {
  let text: string;
  try {
    text = readFileSync(join(repo.commonDir, 'config'), 'utf8');
  } catch {
    return null;
  }
  if (/^\s*\[\s*include/im.test(text) || /[\\"]/.test(text)) return null;
  let inSection = false;
  let url: string | undefined;
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    const sec = /^\[\s*remote\s+"?([^"\]]*)"?\s*\]/i.exec(line) ?? (/^\[/.test(line) ? [] : undefined);
    if (sec) {
      inSection = sec[1] === name;
      continue;
    }
    const kv = inSection ? /^url\s*=\s*(.*?)\s*$/i.exec(line) : null;
    if (kv) url = kv[1];
  }
  // Not in the clone's own config: no such remote (one defined in a global config is not seen).
  return url;
}

/** `https://user:token@host/x` -> `https://***@host/x`: nothing sortie prints or stores holds a credential. */
export function maskCredentials(text: string): string {
  return text.replace(/([a-z][a-z0-9+.-]*:\/\/)[^/@\s]+@/gi, '$1***@');
}

/**
 * A commit whose tree holds one file, `claim.json` (or `id.json`), with no working tree and no
 * index. Its parent is the ref's previous tip, so a claim's history is a chain. The three objects
 * are written here as loose objects (zlib and sha1 from Node: three fewer git processes on every
 * claim); a repository that is not a plain sha1 one gets them from hash-object, mktree and
 * commit-tree instead.
 */
export function writeRecord(r: Remote, file: string, doc: object, parent: string | undefined, message: string, now = new Date()): string {
  const text = `${JSON.stringify(doc, null, 2)}\n`;
  const objects = looseObjectsDir(r.repo);
  if (!objects) return writeRecordWithGit(r, file, text, parent, message);
  const blob = writeObject(objects, 'blob', Buffer.from(text, 'utf8'));
  const tree = writeObject(objects, 'tree', Buffer.concat([Buffer.from(`100644 ${file}\0`, 'utf8'), Buffer.from(blob, 'hex')]));
  const who = `sortie <sortie@localhost> ${Math.floor(now.getTime() / 1000)} +0000`;
  const body = `tree ${tree}\n${parent ? `parent ${parent}\n` : ''}author ${who}\ncommitter ${who}\n\n${message}\n`;
  return writeObject(objects, 'commit', Buffer.from(body, 'utf8'));
}

/** The objects folder of a plain sha1 repository; undefined when git should write the objects. */
function looseObjectsDir(repo: Repo): string | undefined {
  try {
    const config = readFileSync(join(repo.commonDir, 'config'), 'utf8');
    if (/objectformat\s*=\s*(?!sha1\b)/i.test(config)) return undefined;
    const dir = join(repo.commonDir, 'objects');
    return existsSync(dir) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function writeObject(objects: string, type: string, body: Buffer): string {
  const full = Buffer.concat([Buffer.from(`${type} ${body.length}\0`, 'utf8'), body]);
  const sha = sha1Hex(full);
  const dir = join(objects, sha.slice(0, 2));
  const file = join(dir, sha.slice(2));
  if (existsSync(file)) return sha;
  mkdirSync(dir, { recursive: true });
  // Written aside and renamed: a reader never sees half an object (git does the same).
  const tmp = join(dir, `tmp_obj_sortie_${process.pid}_${sha.slice(2, 10)}`);
  writeFileSync(tmp, deflate(full), { mode: 0o444 });
  try {
    renameSync(tmp, file);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (!existsSync(file)) throw e;
  }
  return sha;
}

function writeRecordWithGit(r: Remote, file: string, text: string, parent: string | undefined, message: string): string {
  const blob = run(r, ['hash-object', '-w', '--stdin'], { input: text });
  if (!blob.ok) throw new Error(`git hash-object failed: ${blob.err.trim()}`);
  const tree = run(r, ['mktree'], { input: `100644 blob ${blob.out}\t${file}\n` });
  if (!tree.ok) throw new Error(`git mktree failed: ${tree.err.trim()}`);
  const args = ['commit-tree', tree.out, '-m', message];
  let commit = run(r, parent ? [...args, '-p', parent] : args);
  // The previous tip is not in this clone (never fetched): the chain starts again here.
  if (!commit.ok && parent) commit = run(r, args);
  if (!commit.ok) throw new Error(`git commit-tree failed: ${commit.err.trim()}`);
  return commit.out;
}

export interface RefUpdate {
  ref: string;
  /** The new tip; null deletes the ref. */
  to: string | null;
  /** The tip the remote must have now; null: the ref must not exist. */
  expected: string | null;
}

export type PushOutcome =
  | { ok: true }
  /** Another clone changed the ref first (the lease did not hold): fetch and decide again. */
  | { ok: false; kind: 'stale'; detail: string }
  /** The server refused it (permissions, a protected namespace, a hook): a person must act. */
  | { ok: false; kind: 'refused'; detail: string }
  /** The remote could not be reached (network down, server stopped, timed out). */
  | { ok: false; kind: 'unreachable'; detail: string };

/**
 * Compare-and-swap on the remote: every update holds only if its ref is still at `expected`
 * (`--force-with-lease`), and all of them or none apply (`--atomic`). `--porcelain` says what
 * happened to each ref; the local pre-push hook is not run (this is not the person's push).
 */
export function casPush(r: Remote, updates: RefUpdate[]): PushOutcome {
  const args = ['push', '--atomic', '--porcelain', '--no-verify'];
  for (const u of updates) args.push(`--force-with-lease=${u.ref}:${u.expected ?? ''}`);
  args.push(r.name, ...updates.map((u) => `${u.to ?? ''}:${u.ref}`));
  const res = run(r, args, { network: true });
  const lines = res.out.split('\n');
  let stale = '';
  let refused = '';
  let done = 0;
  for (const u of updates) {
    const line = lines.find((l) => l.split('\t')[1]?.endsWith(`:${u.ref}`));
    if (!line) continue;
    const flag = line[0];
    const summary = maskCredentials(line.split('\t').slice(2).join(' ').trim());
    if (flag === '!') {
      // `[rejected] (stale info)` / `(fetch first)`: the lease failed. `[remote rejected] (<why>)`:
      // the server's decision (hook, permissions). `(atomic push failed)`: another ref of the batch.
      // A server that found the ref locked by another push at the same instant (receive-pack's
      // `atomic transaction failed`, `failed to update ref`, `cannot lock ref`) also lost it a race.
      if (/\[rejected\].*\((stale info|fetch first|non-fast-forward)\)/.test(summary) || /\[remote rejected\].*\((atomic transaction failed|failed to update ref|cannot lock ref|failed to lock|incorrect old value)/i.test(summary)) stale ||= summary;
      else if (!/atomic push failed/.test(summary)) refused ||= summary;
    } else done++;
  }
  if (refused) return { ok: false, kind: 'refused', detail: refused };
  if (stale) return { ok: false, kind: 'stale', detail: stale };
  if (res.ok && done === updates.length) return { ok: true };
  const err = maskCredentials(res.err.trim());
  if (res.code === null) return { ok: false, kind: 'unreachable', detail: `no answer within ${Math.round(r.timeoutMs / 1000)} s` };
  if (DENIED.test(err)) return { ok: false, kind: 'refused', detail: lastLines(err) };
  return { ok: false, kind: 'unreachable', detail: lastLines(err) || `git push exited with ${res.code}` };
}

const DENIED = /permission denied \(publickey|permission to .* denied|access denied|authentication failed|HTTP 40[13]|returned error: 40[13]|not authorized|forbidden|could not read Username|terminal prompts disabled|protected|denied/i;

const lastLines = (text: string) =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !/^(To |Done$|hint:)/.test(l))
    .slice(-3)
    .join('; ');

export type FetchOutcome = { ok: true } | { ok: false; kind: 'unreachable' | 'refused' | 'busy'; detail: string };

/**
 * Brings the remote's claim refs (and their objects) into this clone's mirror namespace, deleting
 * the ones gone from the remote. Processes of one clone fetching at the same instant contend on
 * the mirror's ref locks: a lost lock is retried.
 */
export function fetchClaims(r: Remote): FetchOutcome {
  const spec = `+${CLAIMS}*:${mirrorPrefix(r.name)}*`;
  let last = '';
  for (let i = 0; i < 6; i++) {
    const res = run(r, ['fetch', '--quiet', '--no-tags', '--prune', '--no-write-fetch-head', '--no-auto-gc', '--no-recurse-submodules', r.name, spec], { network: true });
    if (res.ok) return { ok: true };
    const err = maskCredentials(res.err.trim());
    if (res.code === null) return { ok: false, kind: 'unreachable', detail: `no answer within ${Math.round(r.timeoutMs / 1000)} s` };
    if (!/cannot lock ref|unable to update local ref|\.lock': File exists|some local refs could not be updated/i.test(err)) {
      return { ok: false, kind: DENIED.test(err) ? 'refused' : 'unreachable', detail: lastLines(err) || `git fetch exited with ${res.code}` };
    }
    last = lastLines(err);
    sleep(15 + Math.floor(Math.random() * 40) * (i + 1));
  }
  return { ok: false, kind: 'busy', detail: last };
}

const sleepBuf = new Int32Array(new SharedArrayBuffer(4));
function sleep(ms: number): void {
  Atomics.wait(sleepBuf, 0, 0, ms);
}

/** The ids reserved on the remote (refs/sortie/ids/*), or undefined when it cannot be asked. */
export function remoteIds(r: Remote): string[] | undefined {
  const res = run(r, ['ls-remote', '--refs', r.name, `${IDS}*`], { network: true });
  if (!res.ok) return undefined;
  return res.out
    .split('\n')
    .map((l) => l.split('\t')[1] ?? '')
    .filter((ref) => ref.startsWith(IDS))
    .map((ref) => ref.slice(IDS.length));
}

/** The mirror's tips: task id -> commit. */
export function mirrorTips(r: Remote): Map<string, string> {
  const prefix = mirrorPrefix(r.name);
  const res = run(r, ['for-each-ref', '--format=%(objectname) %(refname)', prefix]);
  const out = new Map<string, string>();
  if (!res.ok) return out;
  for (const line of res.out.split('\n')) {
    const sp = line.indexOf(' ');
    if (sp > 0) out.set(line.slice(sp + 1 + prefix.length), line.slice(0, sp));
  }
  return out;
}

/** The `claim.json` of each commit (one `cat-file --batch` for all); a commit without one is left out. */
export function readRecords(r: Remote, tips: string[], file = 'claim.json'): Map<string, string> {
  const out = new Map<string, string>();
  if (tips.length === 0) return out;
  const res = gitBytes(['cat-file', '--batch'], { cwd: r.repo.root, env: r.env, input: tips.map((t) => `${t}:${file}\n`).join('') });
  const buf = res.out;
  let at = 0;
  for (const tip of tips) {
    const nl = buf.indexOf(0x0a, at);
    if (nl < 0) break;
    const header = buf.subarray(at, nl).toString('latin1');
    at = nl + 1;
    const m = /^[0-9a-f]+ blob (\d+)$/.exec(header);
    if (!m) continue; // `<name> missing`
    const size = Number(m[1]);
    out.set(tip, buf.subarray(at, at + size).toString('utf8'));
    at += size + 1;
  }
  return out;
}
