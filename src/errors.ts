/** Typed errors. Everything below the CLI/hook runner throws these; one place maps them to exit codes. */
export type ErrorCode =
  | 'USAGE'
  | 'CONFIG'
  | 'NOT_A_REPO'
  | 'DB_FUTURE'
  | 'DB_CORRUPT'
  | 'DB_BUSY'
  | 'TASK_NOT_FOUND'
  | 'TASK_EXISTS'
  | 'TASK_INVALID_ID'
  | 'TASK_PARSE'
  | 'TRANSITION'
  | 'CLAIM_HELD'
  | 'NOT_HOLDER'
  | 'NOT_CLAIMABLE'
  | 'ID_COLLISION'
  | 'NOTHING_READY'
  | 'MISSION_NOT_FOUND'
  | 'MISSION_ENDED'
  | 'INSTALL'
  | 'READ_ONLY'
  | 'DISK_FULL'
  | 'DISK_IO'
  | 'NOT_A_FOLDER'
  | 'REMOTE_UNREACHABLE'
  | 'REMOTE_REFUSED';

/** Exit codes scripts can rely on. */
export const EXIT = {
  ok: 0,
  failure: 1, // a refused operation (claim held, transition not allowed, commit blocked)
  usage: 2, // bad arguments or config
  notFound: 3, // the named task or mission does not exist
  environment: 4, // not a git repo, database unusable, read-only or full disk, a file where a folder should be
  internal: 70,
} as const;

const exitFor: Record<ErrorCode, number> = {
  USAGE: EXIT.usage,
  CONFIG: EXIT.usage,
  TASK_INVALID_ID: EXIT.usage,
  TASK_PARSE: EXIT.failure,
  TASK_EXISTS: EXIT.failure,
  NOT_A_REPO: EXIT.environment,
  DB_FUTURE: EXIT.environment,
  DB_CORRUPT: EXIT.environment,
  DB_BUSY: EXIT.environment,
  INSTALL: EXIT.environment,
  READ_ONLY: EXIT.environment,
  DISK_FULL: EXIT.environment,
  DISK_IO: EXIT.environment,
  NOT_A_FOLDER: EXIT.environment,
  TASK_NOT_FOUND: EXIT.notFound,
  MISSION_NOT_FOUND: EXIT.notFound,
  TRANSITION: EXIT.failure,
  CLAIM_HELD: EXIT.failure,
  NOT_HOLDER: EXIT.failure,
  NOT_CLAIMABLE: EXIT.failure,
  ID_COLLISION: EXIT.failure,
  NOTHING_READY: EXIT.failure,
  MISSION_ENDED: EXIT.failure,
  REMOTE_UNREACHABLE: EXIT.environment,
  REMOTE_REFUSED: EXIT.environment,
};

export class SortieError extends Error {
  readonly code: ErrorCode;
  /** A runnable command or short instruction that fixes the problem. */
  readonly hint: string | undefined;
  /** Structured facts for --json output. */
  readonly data: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { hint?: string; cause?: unknown; data?: Record<string, unknown> } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = 'SortieError';
    this.code = code;
    this.hint = opts.hint;
    this.data = opts.data;
  }

  get exitCode(): number {
    return exitFor[this.code];
  }
}

export function isSortieError(e: unknown): e is SortieError {
  return e instanceof SortieError;
}

export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message;
  return String(e);
}
