import type { Ctx } from '../workspace.js';
export async function runDemo(_ctx: Ctx, _o: { keep: boolean }): Promise<number> {
  return 0;
}
