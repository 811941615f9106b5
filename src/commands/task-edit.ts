import { commandMessages } from './messages.js';
import type { OptionsOf } from './specs.js';
import { SortieError } from '../errors.js';
import { identityHints } from '../agents/index.js';
import { resolveActor } from '../missions/identity.js';
import { editTask } from '../tasks/edit.js';
import { colors, print, printJson } from '../ui.js';
import type { Ctx } from '../ctx.js';
import { withWorld } from '../world/open.js';
import { relative } from 'node:path';
import { TASKS } from './task.js';
import { taskJson } from './json.js';

/** `sortie task edit <ID> --title/--priority/--label/...`: rewrites only the keys asked for. */
export async function edit(o: OptionsOf<'task edit'>, ctx: Ctx): Promise<number> {
  const id = o.id;
  const named = [o.title, o.priority, o.role, o.body].some((v) => v !== undefined) || [o.label, o.removeLabel, o.dependsOn, o.noDependsOn].some((l) => l.length > 0);
  if (!named) {
    const m = commandMessages.nothingToEdit(id);
    throw new SortieError('USAGE', m.message, { hint: m.hint });
  }
  return withWorld(ctx, TASKS, (ws) => {
    const actor = resolveActor(ws.db, identityHints(ctx.pid), ctx.env, ctx.cwd, ctx.now(), { create: false });
    const r = editTask(
      ws,
      actor?.mission,
      id,
      {
        title: o.title,
        priority: o.priority,
        role: o.role,
        addLabels: o.label,
        removeLabels: o.removeLabel,
        addDeps: o.dependsOn,
        removeDeps: o.noDependsOn,
        body: o.body,
      },
      ctx.now(),
    );
    // `changed`: the front-matter keys rewritten (depends_on as the file spells it); [] when nothing changed.
    if (o.json) printJson(ctx, { task: taskJson(ws.db, ws.repo.root, r.task), changed: r.changed });
    else if (r.changed.length === 0) print(ctx, commandMessages.unchanged(id));
    else print(ctx, commandMessages.edited(colors(ctx), id, r.changed, relative(ctx.cwd, r.task.path)));
    return 0;
  });
}
