import { createRequire } from 'node:module';
import { fstatSync } from 'node:fs';
import type * as ChildProcess from 'node:child_process';

let made: NodeJS.Require | undefined;

/**
 * require() relative to this package, made on first use: createRequire costs a hook a fraction of
 * a millisecond, and most hook runs never need it. The one place every module gets it from.
 */
export function req(id: string): unknown {
  return here()(id);
}

/** require.resolve() relative to this package (same lazy require). */
export function resolveHere(id: string): string {
  return here().resolve(id);
}

function here(): NodeJS.Require {
  return (made ??= createRequire(import.meta.url));
}

/**
 * node:child_process costs a hook several milliseconds to load; most hook runs never start a
 * process, so it is loaded on first use.
 */
export function childProcess(): typeof ChildProcess {
  return req('node:child_process') as typeof ChildProcess;
}

/** Random bytes as hex, with node:crypto loaded only now (a clone's id is made once). */
export function randomHex(bytes: number): string {
  return (req('node:crypto') as typeof import('node:crypto')).randomBytes(bytes).toString('hex');
}

/** Whether a descriptor is a terminal, without loading `tty` (which pulls in `net` and `stream`). */
export function isTerminal(fd: number): boolean {
  try {
    return fstatSync(fd).isCharacterDevice();
  } catch {
    return false;
  }
}

/** The sha1 of bytes as hex, node:crypto loaded only now (claims shared through the git remote). */
export function sha1Hex(data: Buffer): string {
  return (req('node:crypto') as typeof import('node:crypto')).createHash('sha1').update(data).digest('hex');
}

/** zlib's deflate, node:zlib loaded only now: hooks never write git objects. */
export function deflate(data: Buffer): Buffer {
  return (req('node:zlib') as typeof import('node:zlib')).deflateSync(data);
}

/** This machine's name, node:os loaded only now (a claim on the git remote records it). */
export function hostName(): string {
  return (req('node:os') as typeof import('node:os')).hostname();
}
