import type { SortieConfig } from '../config/types.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { git, type Env, type Repo } from '../git.js';

export type RefSource = 'message' | 'branch' | 'task-file';

export interface Reference {
  id: string;
  source: RefSource;
}

/**
 * Task files changed (not added) in this commit whose staged status says work is in progress:
 * committing them is committing work on that task. New task files and edits to TODO/BLOCKED/PAUSED
 * tasks (backlog grooming) are not references.
 */
export function stagedTaskRefs(repo: Repo, config: SortieConfig, env: Env, opts: { all?: boolean } = {}): Reference[] {
  const dir = config.tasks.dir.replace(/^\.\//, '');
  // `all`: judged before `git commit -a` runs, so the tracked changes it will stage count, as they are in the work tree.
  const r = git(['diff', opts.all ? 'HEAD' : '--cached', '--name-only', '--diff-filter=MR', '-z', '--', dir], { cwd: repo.root, env, indexFrom: repo });
  if (!r.ok || !r.out) return [];
  const refs: Reference[] = [];
  for (const path of r.out.split('\0').filter((p) => p.endsWith('.md'))) {
    const staged = opts.all ? readWorkTree(repo, path) : git(['show', `:${path}`], { cwd: repo.root, env, indexFrom: repo });
    if (!staged.ok) continue;
    const fm = /^---\n([\s\S]*?)\n---/.exec(staged.out);
    if (!fm) continue;
    const id = /^id:\s*["']?([^"'\s]+)/m.exec(fm[1]!)?.[1];
    const status = /^status:\s*["']?([A-Za-z]+)/m.exec(fm[1]!)?.[1]?.toUpperCase();
    if (id && (status === 'UNDERWAY' || status === 'REVIEW')) refs.push({ id, source: 'task-file' });
  }
  return refs;
}

function readWorkTree(repo: Repo, path: string): { ok: boolean; out: string } {
  try {
    return { ok: true, out: readFileSync(join(repo.root, path), 'utf8') };
  } catch {
    return { ok: false, out: '' };
  }
}
