import type { Parsed } from '../cli.js';
import type { Ctx } from '../ctx.js';
import { runDemo } from '../demo/demo.js';

export async function demo(p: Parsed, ctx: Ctx): Promise<number> {
  return runDemo(ctx, { keep: p.values.keep === true });
}
