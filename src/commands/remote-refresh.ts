import { rmSync } from 'node:fs';
import type { Ctx } from '../ctx.js';
import { reconcile, refreshCache, sharingOf } from '../remote/share.js';
import { openWorld } from '../world/open.js';
import type { OptionsOf } from './specs.js';

/**
 * `sortie __remote-refresh <lock>`: what a hook starts in the background (remote/background.ts) and
 * never waits for: the cache of the remote's claims refreshed, offline changes published, leases
 * renewed, released claims released there. Quiet; removes its lock file whatever happens.
 */
export async function remoteRefresh(o: OptionsOf<'__remote-refresh'>, ctx: Ctx): Promise<number> {
  try {
    const w = await openWorld(ctx, { create: 'never' });
    if (!w) return 0;
    try {
      const s = sharingOf(w, ctx.env);
      if (!s) return 0;
      const r = refreshCache(w, s, ctx.now());
      if (r.ok) reconcile(w, s, ctx.now());
      return r.ok ? 0 : 1;
    } finally {
      w.close();
    }
  } finally {
    if (o.lock.endsWith('remote-refresh.lock')) rmSync(o.lock, { force: true });
  }
}
