import { existsSync, mkdirSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Repo } from '../git.js';
import { writeFileAtomic } from '../files.js';

/** What `sortie init` found and changed, so `sortie uninstall` can put back exactly that. Kept beside the database. */
export interface Manifest {
  version: 1;
  createdFiles: string[];
  git?: { createdHooks: string[]; previousHooksPath: string | null; huskyInstalledBySortie: boolean } | undefined;
  packageJson?: { previousPrepare: string | null } | undefined;
}

function manifestPath(repo: Repo): string {
  return join(repo.commonDir, 'sortie', 'install.json');
}

export function readManifest(repo: Repo): Manifest | undefined {
  const f = manifestPath(repo);
  if (!existsSync(f)) return undefined;
  try {
    return JSON.parse(readFileSync(f, 'utf8')) as Manifest;
  } catch {
    return undefined;
  }
}

export function writeManifest(repo: Repo, m: Manifest): void {
  const f = manifestPath(repo);
  mkdirSync(dirname(f), { recursive: true });
  writeFileAtomic(f, `${JSON.stringify(m, null, 2)}\n`);
}

export function removeManifest(repo: Repo): void {
  rmSync(manifestPath(repo), { force: true });
}
