import type { Database } from '../store/open.js';
import { observe, type Observation } from './effective.js';

/** One of the tasks an id names, and where each of its files is. */
export interface Variant {
  title: string;
  created: string | null;
  places: { label: string | null; source: string | null; kind: Observation['kind']; file: string }[];
}

export interface Collision {
  id: string;
  variants: Variant[];
}

/** Two files describe the same task when their `created` match, or, lacking one, their titles. */
function sameTask(a: { title: string; created: string | null }, b: { title: string; created: string | null }): boolean {
  if (a.created && b.created) return a.created === b.created;
  return a.title === b.title;
}

function collisionsIn(byId: Map<string, Observation[]>): Collision[] {
  const out: Collision[] = [];
  for (const [id, obs] of byId) {
    const variants: Variant[] = [];
    for (const o of obs) {
      if (!o.fields) continue;
      const f = o.fields;
      let v = variants.find((x) => sameTask(x, f));
      if (!v) variants.push((v = { title: f.title, created: f.created, places: [] }));
      const file = f.path.slice(f.path.lastIndexOf('/') + 1);
      if (!v.places.some((p) => p.source === o.source)) v.places.push({ label: o.label, source: o.source, kind: o.kind, file });
    }
    if (variants.length > 1) out.push({ id, variants: variants.sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.title.localeCompare(b.title)) });
  }
  return out.sort((a, b) => a.id.localeCompare(b.id, undefined, { numeric: true }));
}

/**
 * Ids that name two different tasks (made before ids were allocated across checkouts: two
 * worktrees or branches each made TASK-3), from every worktree's and branch's files.
 */
export function findCollisions(db: Database): Collision[] {
  return collisionsIn(observe(db, undefined));
}

export function collisionOf(db: Database, id: string): Collision | undefined {
  return collisionsIn(observe(db, [id]))[0];
}

/** `"Made on feat" (feat) and "Made on main" (main)`. */
export function describeCollision(c: Collision): string {
  return c.variants.map((v) => `"${v.title.replace(/\s+/g, ' ').slice(0, 60)}" (${[...new Set(v.places.map((p) => p.label ?? 'a detached checkout'))].join(', ')})`).join(' and ');
}
