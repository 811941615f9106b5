import { existsSync, readdirSync, statSync, watch, type FSWatcher } from 'node:fs';
import { dirname, join } from 'node:path';

export interface StateWatcher {
  close(): void;
}

/**
 * Calls onChange shortly after anything a sortie writer touches changes: the database and its WAL
 * (claims, commits recorded, missions started and ended), the pending/ queue and the beats/
 * folder beside them (what the database-free hooks write), and the task files. fs.watch gives the
 * speed; a cheap poll of the same places (a few stats) backs it up where events are lost or not
 * delivered (network file systems, folders created after the watch began).
 */
export function watchState(o: { dbFile: string; tasksDir: string; onChange: (what: { tasks: boolean }) => void; pollMs?: number; debounceMs?: number }): StateWatcher {
  const stateDir = dirname(o.dbFile);
  const watchers = new Map<string, FSWatcher>();
  let timer: NodeJS.Timeout | undefined;
  let pendingTasks = false;
  let closed = false;

  const fire = (tasks: boolean) => {
    if (closed) return;
    pendingTasks ||= tasks;
    if (timer) return;
    timer = setTimeout(() => {
      timer = undefined;
      const t = pendingTasks;
      pendingTasks = false;
      o.onChange({ tasks: t });
    }, o.debounceMs ?? 80);
  };

  const dirs = () => [
    { dir: stateDir, tasks: false },
    { dir: join(stateDir, 'pending'), tasks: false },
    { dir: join(stateDir, 'beats'), tasks: false },
    { dir: o.tasksDir, tasks: true },
  ];
  const attach = () => {
    for (const { dir, tasks } of dirs()) {
      if (watchers.has(dir) || !existsSync(dir)) continue;
      try {
        const w = watch(dir, { persistent: false }, () => fire(tasks));
        w.on('error', () => {
          w.close();
          watchers.delete(dir);
        });
        watchers.set(dir, w);
      } catch {
        // not watchable here: the poll covers it
      }
    }
  };

  const stamp = (dir: string, deep: boolean): string => {
    try {
      const st = statSync(dir);
      let s = `${st.mtimeMs}`;
      if (deep) for (const n of readdirSync(dir)) s += `|${n}:${statSync(join(dir, n), { throwIfNoEntry: false })?.mtimeMs ?? 0}`;
      return s;
    } catch {
      return '-';
    }
  };
  const snapshot = () => ({
    state: [stamp(stateDir, false), stamp(`${o.dbFile}-wal`, false), stamp(o.dbFile, false), stamp(join(stateDir, 'pending'), true), stamp(join(stateDir, 'beats'), true)].join(' '),
    tasks: stamp(o.tasksDir, false),
  });
  let last = snapshot();
  const poll = setInterval(() => {
    attach();
    const now = snapshot();
    if (now.state !== last.state || now.tasks !== last.tasks) fire(now.tasks !== last.tasks);
    last = now;
  }, o.pollMs ?? 1000);
  poll.unref();
  attach();

  return {
    close() {
      closed = true;
      clearInterval(poll);
      if (timer) clearTimeout(timer);
      for (const w of watchers.values()) w.close();
      watchers.clear();
    },
  };
}
