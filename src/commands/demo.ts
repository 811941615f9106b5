import type { OptionsOf } from './specs.js';
import type { Ctx } from '../ctx.js';
import { runDemo } from '../demo/demo.js';

export async function demo(o: OptionsOf<'demo'>, ctx: Ctx): Promise<number> {
  return runDemo(ctx, { keep: o.keep });
}
