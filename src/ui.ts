import pc from 'picocolors';

export type Colors = ReturnType<typeof pc.createColors>;
import type { Ctx } from './ctx.js';

/** Colours are decided once, here: off when NO_COLOR is set or output is not a terminal. */
export function colors(ctx: Pick<Ctx, 'env'> & { stdout: unknown }): Colors {
  const tty = (ctx.stdout as { isTTY?: boolean }).isTTY === true;
  const on = !ctx.env.NO_COLOR && (tty || Boolean(ctx.env.FORCE_COLOR));
  return pc.createColors(on);
}

export function print(ctx: Ctx, text = ''): void {
  ctx.stdout.write(text.endsWith('\n') ? text : `${text}\n`);
}

export function printJson(ctx: Ctx, value: unknown): void {
  ctx.stdout.write(`${JSON.stringify(value, null, 2)}\n`);
}

export function table(rows: string[][], gap = 2): string {
  if (rows.length === 0) return '';
  const widths: number[] = [];
  for (const r of rows) r.forEach((c, i) => (widths[i] = Math.max(widths[i] ?? 0, visible(c).length)));
  return rows
    .map((r) => r.map((c, i) => (i === r.length - 1 ? c : c + ' '.repeat((widths[i] ?? 0) - visible(c).length + gap))).join('').trimEnd())
    .join('\n');
}

function visible(s: string): string {
  // eslint-disable-next-line no-control-regex
  return s.replace(/\x1b\[[0-9;]*m/g, '');
}


export { forTerminal, forTerminalBlock } from './text.js';
import { forTerminal as forTerminalText } from './text.js';

/** A remark after a line's text (where a task's state comes from): two spaces and the text made safe, or nothing. */
export function aside(s: string, max = 80): string {
  const t = forTerminalText(s, max);
  return t ? `  ${t}` : '';
}
