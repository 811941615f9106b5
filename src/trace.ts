// SORTIE_TRACE=1 makes a hook print where its time went (one line on stderr), like HUSKY=2.
const on = process.env.SORTIE_TRACE === '1';
const start = on ? process.hrtime.bigint() : 0n;
const marks: string[] = [];

export function mark(label: string): void {
  if (on) marks.push(`${label} ${(Number(process.hrtime.bigint() - start) / 1e6).toFixed(2)}`);
}

export function flushTrace(write: (s: string) => unknown): void {
  if (on && marks.length) write(`sortie trace (ms since hook start): ${marks.join(' | ')}\n`);
}
