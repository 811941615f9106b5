import type { Parsed } from '../cli.js';
import { SortieError } from '../errors.js';
import { resolveActor } from '../missions/identity.js';
import { editTask } from '../tasks/edit.js';
import { colors, print, printJson } from '../ui.js';
import { withWorkspace, type Ctx } from '../workspace.js';
import { relative } from 'node:path';
import { prepare } from './task.js';

const str = (v: unknown) => (typeof v === 'string' ? v : undefined);
const list = (v: unknown) => (Array.isArray(v) ? (v as string[]) : typeof v === 'string' ? [v] : undefined);

/** `sortie task edit <ID> --title/--priority/--label/...`: rewrites only the keys asked for. */
export async function edit(p: Parsed, ctx: Ctx): Promise<number> {
  const id = p.positionals[0]!;
  const v = p.values;
  const wanted = ['title', 'priority', 'role', 'label', 'remove-label', 'depends-on', 'no-depends-on', 'body'].filter((k) => v[k] !== undefined);
  if (wanted.length === 0) {
    throw new SortieError('USAGE', 'nothing to edit', { hint: `sortie task edit ${id} --title "..." | --priority high | --label L | --depends-on ID   (sortie task edit --help)` });
  }
  return withWorkspace(ctx, (ws) => {
    prepare(ws, true);
    const actor = resolveActor(ws.db, ctx.env, ctx.cwd, ctx.now(), { create: false });
    const r = editTask(ws, actor?.mission, id, {
      title: str(v.title),
      priority: str(v.priority),
      role: str(v.role),
      addLabels: list(v.label),
      removeLabels: list(v['remove-label']),
      addDeps: list(v['depends-on']),
      removeDeps: list(v['no-depends-on']),
      body: str(v.body),
    });
    if (v.json) {
      const t = r.task;
      const task = { id: t.id, title: t.title, status: t.status, priority: t.priority, role: t.role ?? null, labels: t.labels, dependsOn: t.dependsOn };
      printJson(ctx, { task: { ...task, path: relative(ws.repo.root, t.path) }, changed: r.changed });
    } else if (r.changed.length === 0) print(ctx, `${id}: nothing changed (it already says that)`);
    else print(ctx, `${colors(ctx).green('edited')} ${id}: ${r.changed.join(', ')}\n  ${relative(ctx.cwd, r.task.path)}`);
    return 0;
  });
}
