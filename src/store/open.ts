import { accessSync, constants, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { environmentError } from '../env-errors.js';
import { basename, dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import BundledDriver from 'better-sqlite3';
import type BetterSqlite3 from 'better-sqlite3';
import type { Database } from 'better-sqlite3';
import { SortieError, errorMessage } from '../errors.js';
import { DIR_MODE } from '../files.js';
import { req, resolveHere } from '../lazy.js';
import { codeDir } from '../package-root.js';
import { LATEST_VERSION, migrations, type Migration } from './migrations.js';
import { bindWaits, busyError, retryBusy, write } from './write.js';
import type { Deadline } from '../deadline.js';

export type { Database };
export { dbPath } from './paths.js';

export interface OpenOptions {
  /** Apply pending migrations (default true). Read-only tools like doctor pass false to inspect. */
  migrate?: boolean;
  /** The longest one wait on the lock may take (SQLite's busy_timeout); default 5000. */
  busyTimeoutMs?: number;
  /**
   * When the caller must be done (a hook's deadline). Every wait on the lock, from the first read
   * of the schema version through the WAL switch and the migrations to every later write, ends by
   * then (store/write.ts, bindWaits).
   */
  deadline?: Deadline | undefined;
  /**
   * Open it read-only, as it is: no WAL switch, no migration (a database that needs one is an
   * error saying so). For reading commands where the database cannot be written.
   */
  readonly?: boolean;
  /** Only for tests of migrations: stop at this version. */
  targetVersion?: number;
  migrationList?: Migration[];
}

/** A bare connection through the driver, its errors made typed. */
function connect(file: string, readonly = false): Database {
  const d = loadDriver();
  let db: Database;
  try {
    db = new d.ctor(file, withAddon(d, readonly ? { readonly: true, fileMustExist: !file.startsWith('file:') } : {}));
  } catch (e) {
    throw dbError(e, file);
  }
  return reusingStatements(db);
}

/**
 * Each SQL text is compiled once per connection. Code asks for statements where it uses them
 * (`db.prepare(sql).get(id)` inside a loop), and better-sqlite3 compiles each call anew: `sortie
 * status` compiled one query 1,008 times. A statement keeps no parameters between runs (nothing
 * here binds them for good, or iterates), only its pluck mode, which is reset on each reuse so
 * every caller gets the plain statement it asked for.
 */
export function reusingStatements(db: Database): Database {
  const compile = db.prepare.bind(db);
  const made = new Map<string, ReturnType<Database['prepare']>>();
  db.prepare = ((sql: string) => {
    let s = made.get(sql);
    if (s === undefined) made.set(sql, (s = compile(sql)));
    else if (s.reader) s.pluck(false);
    return s;
  }) as Database['prepare'];
  return db;
}

/**
 * Whether the database driver works here, without touching any file: an in-memory database is
 * opened and closed. `sortie init` runs it before it writes anything, and doctor reports it.
 */
export function checkDriver(): void {
  connect(':memory:').close();
}

/**
 * Whether this process can write the database: the file (when it exists) and its folder (the WAL
 * and its index are created there). Two access() calls; root passes unless the file system is
 * read-only.
 */
export function canWriteDb(file: string): boolean {
  return writeDenied(file) === undefined;
}

/** Why this process cannot write the database (the access() error, with its path), if it cannot. */
function writeDenied(file: string): NodeJS.ErrnoException | undefined {
  try {
    if (existsSync(file)) accessSync(file, constants.W_OK);
    if (existsSync(dirname(file))) accessSync(dirname(file), constants.W_OK);
    return undefined;
  } catch (e) {
    return e as NodeJS.ErrnoException;
  }
}

/**
 * Another tool's SQLite file (what `sortie import` reads), opened read-only as it is: no pragmas,
 * no migrations, and its errors left as the driver's, since it is not sortie's database.
 */
export function openReadOnly(file: string): Database {
  const d = loadDriver();
  return new d.ctor(file, withAddon(d, { readonly: true, fileMustExist: true }));
}

export function openDb(file: string, opts: OpenOptions = {}): Database {
  if (opts.readonly) return openReadOnlyDb(file, opts);
  // Said precisely before SQLite says "unable to open database file".
  const denied = writeDenied(file);
  if (denied) throw dbError(denied, file);
  try {
    mkdirSync(dirname(file), { recursive: true, mode: DIR_MODE });
  } catch (e) {
    throw dbError(e, file);
  }
  const db = connect(file);
  try {
    bindWaits(db, { attemptMs: opts.busyTimeoutMs ?? 5000, deadline: opts.deadline });
    // Before anything writes (even the WAL switch rewrites the header): a future database stays untouched.
    checkNotFuture(db, file, latestOf(opts.migrationList));
    // journal_mode is persistent; setting it again is a no-op read once WAL is on.
    const mode = db.pragma('journal_mode', { simple: true });
    if (mode !== 'wal') retryBusy(db, () => db.pragma('journal_mode = WAL'));
    db.pragma('synchronous = NORMAL');
    db.pragma('foreign_keys = ON');
    if (opts.migrate !== false) migrate(db, file, opts.targetVersion, opts.migrationList);
  } catch (e) {
    db.close();
    throw dbError(e, file);
  }
  return db;
}

/**
 * A database this process cannot write, opened to read it as it is. A database in WAL mode whose
 * folder cannot be written and that was closed cleanly (no `-wal`, no `-shm` left) cannot be
 * opened read-only by SQLite (SQLITE_READONLY_DIRECTORY): then the file alone is complete, and it
 * is opened as immutable. That needs URI file names, which better-sqlite3 turns on from the
 * environment when its addon loads: set here, before the first connection of the process (a
 * command's read-only open is its first), and harmless to sortie's paths, which never start with
 * `file:`.
 */
function openReadOnlyDb(file: string, opts: OpenOptions): Database {
  process.env.SQLITE_USE_URI ??= '1';
  let db = connect(file, true);
  try {
    db.pragma('user_version');
  } catch (e) {
    const code = (e as { code?: string }).code ?? '';
    db.close();
    if (!(code === 'SQLITE_READONLY_DIRECTORY' || code === 'SQLITE_CANTOPEN') || existsSync(`${file}-wal`)) throw dbError(e, file);
    db = connect(`${pathToFileURL(file).href}?immutable=1`, true);
  }
  try {
    bindWaits(db, { attemptMs: opts.busyTimeoutMs ?? 5000, deadline: opts.deadline });
    checkNotFuture(db, file, latestOf(opts.migrationList));
    const v = schemaVersion(db);
    if (opts.migrate !== false && v < latestOf(opts.migrationList)) {
      throw new SortieError('READ_ONLY', `the sortie database ${file} is read-only and needs migrating (schema ${v}) before this sortie can read it`, {
        hint: `run any sortie command once as a user who can write ${dirname(file)}`,
        data: { path: file },
      });
    }
  } catch (e) {
    db.close();
    throw dbError(e, file);
  }
  return db;
}

declare const __SORTIE_BSQ_VERSION__: string | undefined;

/**
 * better-sqlite3's folder, looked up as Node's resolver would (each node_modules folder from here
 * up) but without it: require.resolve costs a hook most of a millisecond (it reads this package's
 * own package.json for self-references and exports first). An install with no node_modules to
 * walk (Plug'n'Play) falls back to the resolver.
 */
function driverDir(): string {
  let dir = codeDir();
  for (;;) {
    const candidate = join(dir, 'node_modules', 'better-sqlite3');
    if (basename(dir) !== 'node_modules' && existsSync(join(candidate, 'package.json'))) return candidate;
    const up = dirname(dir);
    if (up === dir) return dirname(resolveHere('better-sqlite3/package.json'));
    dir = up;
  }
}

interface Driver {
  ctor: typeof BetterSqlite3;
  /** What the constructor gets as nativeBinding, made when first opening (so a broken addon fails where a database is opened, with its reason). */
  binding: () => string | object;
}
let driver: Driver | undefined;

/**
 * better-sqlite3's JavaScript is bundled into dist/hook.cjs (a dozen CommonJS files cost a hook
 * 2 ms to load one by one); its native addon is not. The bundled copy is used only with the addon
 * of the same version (the dependency is pinned); otherwise the installed package is loaded.
 * Passing the addon also spares better-sqlite3 the `bindings` package's path search. With the
 * bundled copy, the addon is loaded straight from its file and handed over as an object:
 * require() of its path would first resolve it, reading package scopes (0.4 ms of each hook).
 */
/** Options with the driver's addon. better-sqlite3 takes an addon object (its issue #972); its types say only a path. */
function withAddon(d: Driver, o: BetterSqlite3.Options): BetterSqlite3.Options {
  return { ...o, nativeBinding: d.binding() as string };
}

function loadAddon(file: string): object {
  const m = { exports: {} };
  process.dlopen(m, file);
  return m.exports;
}

function loadDriver(): Driver {
  if (driver) return driver;
  try {
    const pkgDir = driverDir();
    const file = join(pkgDir, 'build', 'Release', 'better_sqlite3.node');
    if (!existsSync(file)) {
      throw new SortieError('INSTALL', `the better-sqlite3 native module was never built (${file} is missing): its install script did not run`, {
        hint: 'npm rebuild better-sqlite3   (pnpm, yarn and bun: see `sortie doctor`)',
        data: { reason: 'native-module' },
      });
    }
    const bundled = typeof __SORTIE_BSQ_VERSION__ === 'string' ? __SORTIE_BSQ_VERSION__ : undefined;
    const same = bundled !== undefined && (JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')) as { version: string }).version === bundled;
    const ctor = bundled === undefined || same ? BundledDriver : (req(pkgDir) as typeof BetterSqlite3);
    let addon: object | undefined;
    const binding = ctor === BundledDriver ? () => (addon ??= loadAddon(file)) : () => file;
    return (driver = { ctor, binding });
  } catch (e) {
    if (e instanceof SortieError) throw e;
    throw new SortieError('INSTALL', `the better-sqlite3 module could not be found: ${errorMessage(e)}`, {
      hint: 'npm install   (in the project that has sortie as a dependency)',
      cause: e,
      data: { reason: 'native-module' },
    });
  }
}

/**
 * Closing is what a library does; a hook process about to exit is better off leaving its
 * connection to the exit. The last connection to close checkpoints the WAL into the database and
 * deletes it, which costs a hook more than its own write, and the next hook recreates the WAL.
 * Left open, the WAL stays (it is crash-safe by design, its commits are complete) and SQLite's
 * auto-checkpoint keeps it small. Only the bundled hook entry sets this; everything else closes.
 */
export function closeUnlessExiting(db: Database): void {
  if ((globalThis as { __sortieHookExits?: boolean }).__sortieHookExits) return;
  if (db.open) db.close();
}

export function schemaVersion(db: Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}

/** What doctor reports about a database: SQLite's integrity check (`ok` when sound) and the journal mode. */
export function inspectDb(db: Database): { integrity: string; journalMode: string } {
  return { integrity: db.pragma('integrity_check', { simple: true }) as string, journalMode: db.pragma('journal_mode', { simple: true }) as string };
}

function latestOf(list: Migration[] = migrations): number {
  return list.reduce((m, x) => Math.max(m, x.version), 0);
}

function checkNotFuture(db: Database, file: string, latest = LATEST_VERSION): void {
  const v = schemaVersion(db);
  if (v > latest) {
    throw new SortieError(
      'DB_FUTURE',
      `the database ${file} has schema version ${v}, newer than this sortie understands (${latest}); it was not modified`,
      { hint: 'upgrade sortie (npm install sortie@latest), or point SORTIE_DB at another file', data: { version: v, supported: latest } },
    );
  }
}

export function migrate(db: Database, file: string, target = LATEST_VERSION, list = migrations): void {
  checkNotFuture(db, file, latestOf(list));
  if (schemaVersion(db) >= target) return;
  for (const m of [...list].sort((a, b) => a.version - b.version)) {
    if (m.version > target) break;
    write(db, () => {
      // Re-read inside the lock: another process may have migrated while we waited.
      if (schemaVersion(db) >= m.version) return;
      m.up(db);
      db.pragma(`user_version = ${m.version}`);
    });
  }
}

function dbError(e: unknown, file: string): unknown {
  if (e instanceof SortieError) return e;
  const code = (e as { code?: string }).code ?? '';
  if (code === 'ERR_DLOPEN_FAILED' || /NODE_MODULE_VERSION|did not self-register|invalid ELF|wrong ELF|Could not locate the bindings file/.test(errorMessage(e))) {
    return new SortieError('INSTALL', `the better-sqlite3 native module could not be loaded: ${errorMessage(e).split('\n')[0]}`, {
      hint: 'npm rebuild better-sqlite3   (needed after a Node.js upgrade)',
      cause: e,
      data: { reason: 'native-module' },
    });
  }
  if (code === 'SQLITE_NOTADB' || code === 'SQLITE_CORRUPT') {
    return new SortieError('DB_CORRUPT', `the sortie database ${file} is not a valid SQLite database (${code})`, {
      hint: `move it aside (mv "${file}" "${file}.broken") and run \`sortie doctor\`; task files are untouched`,
      cause: e,
    });
  }
  if (code.startsWith('SQLITE_BUSY') || code.startsWith('SQLITE_LOCKED')) return busyError(file, e);
  // Read-only, disk full, a file for a folder: the machine's problem, said as such (exit 4).
  const env = environmentError(e, file);
  if (env) return env;
  return e;
}
