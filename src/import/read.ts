import { copyFileSync, existsSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { req } from '../lazy.js';
import { tmpdir } from 'node:os';
import { basename, join, relative } from 'node:path';
import type matterType from 'gray-matter';
import { errorMessage } from '../errors.js';
import { git, type Env } from '../git.js';
import { openReadOnly, type Database } from '../store/open.js';
import { MATTER_OPTIONS } from '../tasks/parse.js';

/** A source that cannot be read at all (missing, corrupt, not what it claims to be). */
export class SourceReadError extends Error {
  constructor(
    readonly path: string,
    message: string,
    readonly line?: number,
  ) {
    super(message);
    this.name = 'SourceReadError';
  }
}

export interface Snapshot {
  db: Database;
  close(): void;
}

/**
 * Opens a source SQLite database without touching it. Opening a WAL database read-only still
 * creates `-wal` and `-shm` files beside it (measured with better-sqlite3 12), so the database and
 * its WAL, if any, are copied into a private temp folder and the copy is opened read-only.
 * Recently committed rows still in the source's WAL are read too.
 */
export function openSnapshot(path: string): Snapshot {
  if (!existsSync(path)) throw new SourceReadError(path, 'no such file');
  const dir = mkdtempSync(join(tmpdir(), 'sortie-import-'));
  const copy = join(dir, basename(path));
  const cleanup = () => rmSync(dir, { recursive: true, force: true });
  let db: Database | undefined;
  try {
    copyFileSync(path, copy);
    if (existsSync(`${path}-wal`)) copyFileSync(`${path}-wal`, `${copy}-wal`);
    db = openReadOnly(copy);
    // A file that is not a database fails at its first read, not at open.
    db.prepare('SELECT name FROM sqlite_master LIMIT 1').all();
  } catch (e) {
    if (db?.open) db.close();
    cleanup();
    const cause = (e as { cause?: { code?: string } }).cause;
    const code = (e as { code?: string }).code ?? cause?.code;
    throw new SourceReadError(path, code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT' ? `not a readable SQLite database (${code})` : errorMessage(e));
  }
  const opened = db;
  return {
    db: opened,
    close: () => {
      if (opened.open) opened.close();
      cleanup();
    },
  };
}

/** The columns of a table, or undefined when the table does not exist. */
export function columnsOf(db: Database, table: string): Set<string> | undefined {
  const exists = db.prepare("SELECT 1 FROM sqlite_master WHERE type IN ('table', 'view') AND name = ?").get(table);
  if (!exists) return undefined;
  return new Set((db.prepare(`PRAGMA table_info("${table.replace(/"/g, '""')}")`).all() as { name: string }[]).map((c) => c.name));
}

/** The first of these columns the table has. */
export function firstColumn(cols: Set<string>, ...names: string[]): string | undefined {
  return names.find((n) => cols.has(n));
}

export type Row = Record<string, unknown>;

export function str(v: unknown): string | undefined {
  if (v === undefined || v === null) return undefined;
  if (v instanceof Date) return v.toISOString();
  const s = String(v).trim();
  return s ? s : undefined;
}

/** One line, no control characters: for titles and names. */
export function line(v: unknown, max = 200): string | undefined {
  const s = str(v)
    ?.replace(/[\x00-\x1f\x7f]+/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();
  return s ? s.slice(0, max) : undefined;
}

/** Multi-line text with control characters other than newlines and tabs removed. */
export function text(v: unknown): string | undefined {
  const s = str(v)
    ?.replace(/\r\n?/g, '\n')
    .replace(/[\x00-\x08\x0b-\x1f\x7f]/g, '')
    .trim();
  return s ? s : undefined;
}

// gray-matter is loaded on first use, with the same engines as task files: YAML only, never code.
let matterFn: typeof matterType | undefined;

export interface FrontMatter {
  /** Undefined when the file has no front matter. */
  data: Record<string, unknown> | undefined;
  body: string;
}

/** Parses YAML front matter. Invalid YAML throws SourceReadError with the file's line number. */
export function frontMatter(content: string, path: string): FrontMatter {
  if (!/^---[^\n]*\n/.test(content)) return { data: undefined, body: content };
  matterFn ??= req('gray-matter') as typeof matterType;
  try {
    const parsed = matterFn(content, MATTER_OPTIONS as Parameters<typeof matterType>[1]);
    const data = parsed.data && typeof parsed.data === 'object' ? (parsed.data as Record<string, unknown>) : {};
    return { data, body: parsed.content };
  } catch (e) {
    const mark = (e as { mark?: { line?: number } }).mark;
    const reason = ((e as { reason?: string }).reason ?? errorMessage(e)).split('\n')[0];
    // js-yaml counts lines from 0 in the front matter, which gray-matter starts at the end of the --- line.
    throw new SourceReadError(path, `invalid YAML front matter: ${reason}`, mark?.line !== undefined ? mark.line + 1 : undefined);
  }
}

/** `## Heading` sections of a markdown body, keyed by lower-cased heading. */
export function sections(markdown: string): Map<string, string> {
  const out = new Map<string, string>();
  const parts = markdown.split(/^## +/m);
  for (const part of parts.slice(1)) {
    const nl = part.indexOf('\n');
    const heading = (nl < 0 ? part : part.slice(0, nl)).trim().toLowerCase();
    const body = nl < 0 ? '' : part.slice(nl + 1).replace(/\n---\s*$/, '').trim();
    if (!out.has(heading)) out.set(heading, body);
  }
  return out;
}

/** A section's text unless it is a template placeholder (`[To be filled in ...]`). */
export function filled(s: string | undefined): string | undefined {
  const t = s?.trim();
  if (!t) return undefined;
  if (/^\[[^\]]*\]$/.test(t)) return undefined;
  return t;
}

// ---------------------------------------------------------------------------------------------
// Time

/**
 * A timestamp as an ISO UTC string. Text without a zone (SQLite's `datetime('now')`, Python's
 * `utcnow().isoformat()`) is UTC in every source that writes it; `naive` says it had no zone.
 */
export function utc(v: unknown): { iso: string; naive: boolean } | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : { iso: v.toISOString(), naive: false };
  if (typeof v === 'number' && Number.isFinite(v)) {
    // Epoch seconds or milliseconds.
    const ms = v < 1e12 ? v * 1000 : v;
    return { iso: new Date(ms).toISOString(), naive: false };
  }
  const s = str(v);
  if (!s) return undefined;
  const m = /^(\d{4}-\d{2}-\d{2})(?:[T ](\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?))?\s*(Z|[+-]\d{2}:?\d{2})?$/i.exec(s);
  if (!m) return undefined;
  const naive = !m[3];
  const time = m[2] ?? '00:00:00';
  const zone = m[3] ? (m[3].toUpperCase() === 'Z' ? 'Z' : m[3].replace(/^([+-]\d{2})(\d{2})$/, '$1:$2')) : 'Z';
  const t = Date.parse(`${m[1]}T${time.length === 5 ? `${time}:00` : time}${zone}`);
  if (Number.isNaN(t)) return undefined;
  return { iso: new Date(t).toISOString(), naive };
}

export function isoOf(v: unknown): string | undefined {
  return utc(v)?.iso;
}

/** `HH:MM[:SS]`, also from YAML's sexagesimal reading of `14:30:00` as the number 52200. */
export function clockTime(v: unknown): string | undefined {
  if (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 86400) {
    const pad = (n: number) => String(n).padStart(2, '0');
    return `${pad(Math.floor(v / 3600))}:${pad(Math.floor(v / 60) % 60)}:${pad(v % 60)}`;
  }
  const s = str(v);
  const m = s ? /^(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?$/.exec(s) : undefined;
  if (!m) return undefined;
  const h = Number(m[1]);
  if (h > 23 || Number(m[2]) > 59 || Number(m[3] ?? 0) > 59) return undefined;
  return `${String(h).padStart(2, '0')}:${m[2]}:${m[3] ?? '00'}`;
}

/** `YYYY-MM-DD`, also from YAML's reading of a bare date as a Date. */
export function calendarDate(v: unknown): string | undefined {
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? undefined : v.toISOString().slice(0, 10);
  const s = str(v);
  return s && /^\d{4}-\d{2}-\d{2}$/.test(s) ? s : undefined;
}

/** Minutes east of UTC from `+01:00`, `-0530`, `Z`. */
export function offsetMinutes(zone: string): number | undefined {
  if (/^z$/i.test(zone)) return 0;
  const m = /^([+-])(\d{2}):?(\d{2})$/.exec(zone);
  if (!m) return undefined;
  return (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3]));
}

export function formatOffset(min: number): string {
  const sign = min < 0 ? '-' : '+';
  const a = Math.abs(min);
  return `UTC${sign}${String(Math.floor(a / 60)).padStart(2, '0')}:${String(a % 60).padStart(2, '0')}`;
}

/** The UTC instant of a local date and clock time in a zone `offset` minutes east of UTC. */
export function localToUtc(date: string, time: string, offset: number): number {
  return Date.parse(`${date}T${time}Z`) - offset * 60_000;
}

export function addDays(date: string, n: number): string {
  return new Date(Date.parse(`${date}T00:00:00Z`) + n * 86_400_000).toISOString().slice(0, 10);
}

/** The offset (minutes east of UTC) of the machine running sortie at an instant, honouring TZ. */
export function machineOffset(atMs: number): number {
  return -new Date(atMs).getTimezoneOffset();
}

export function latest(...isoTimes: (string | undefined)[]): string | undefined {
  let best: string | undefined;
  for (const t of isoTimes) if (t && (!best || t > best)) best = t;
  return best;
}

// ---------------------------------------------------------------------------------------------
// File history: when a file last changed, and in which time zone, as evidence for missing times.

export interface FileTime {
  /** ISO UTC instant. */
  at: string;
  /** The committer's zone, minutes east of UTC (git only). */
  offset?: number | undefined;
  /** What the time is: `git commit 1a2b3c4` or `mtime`. */
  via: string;
}

export interface FileHistory {
  /** The last change of a file: its last commit when it is tracked and unchanged, else its mtime. */
  of(path: string): FileTime | undefined;
}

/**
 * Git first: a clone sets every mtime to the moment of the clone, so a tracked file's mtime says
 * nothing. One `git log` and one `git status` per folder, cached.
 */
export function fileHistory(root: string, env: Env): FileHistory {
  const byDir = new Map<string, { commits: Map<string, FileTime>; dirty: Set<string> }>();
  const load = (dir: string) => {
    let hit = byDir.get(dir);
    if (hit) return hit;
    hit = { commits: new Map(), dirty: new Set() };
    byDir.set(dir, hit);
    const rel = relative(root, dir) || '.';
    if (rel.startsWith('..')) return hit;
    const log = git(['log', '--format=%x00%h %aI', '--name-only', '--no-renames', '--', rel], { cwd: root, env });
    for (const block of (log.ok ? log.out : '').split('\0').slice(1)) {
      const [head, ...files] = block.split('\n');
      const [sha, date] = (head ?? '').split(' ');
      const at = date ? Date.parse(date) : NaN;
      if (!sha || Number.isNaN(at)) continue;
      const zone = /([+-]\d{2}:\d{2}|Z)$/.exec(date ?? '')?.[1];
      for (const f of files) {
        if (!f || hit.commits.has(f)) continue;
        hit.commits.set(f, { at: new Date(at).toISOString(), offset: zone ? offsetMinutes(zone) : undefined, via: `git commit ${sha}` });
      }
    }
    const status = git(['status', '--porcelain', '-z', '--untracked-files=all', '--', rel], { cwd: root, env });
    for (const entry of (status.ok ? status.out : '').split('\0')) if (entry.length > 3) hit.dirty.add(entry.slice(3));
    return hit;
  };
  return {
    of(path) {
      let st;
      try {
        st = statSync(path);
      } catch {
        return undefined;
      }
      const rel = relative(root, path);
      if (!rel.startsWith('..')) {
        const h = load(join(path, '..'));
        const c = h.commits.get(rel);
        if (c && !h.dirty.has(rel)) return c;
      }
      return { at: new Date(st.mtimeMs).toISOString(), via: 'mtime' };
    },
  };
}
