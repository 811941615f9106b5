/**
 * Tests run the built package (dist/): build it first when any of its sources is newer than what
 * was built, so a bare `npx vitest` never tests a stale dist/. A build costs a few seconds; the
 * check, a stat of each source and output file.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from './helpers/repo.js';

function files(dir: string, keep: (f: string) => boolean): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const p = join(dir, e.name);
    return e.isDirectory() ? files(p, keep) : keep(p) ? [p] : [];
  });
}

function stale(): string | undefined {
  // Every file under src/: the .ts modules, and the page of `sortie ui` (src/ui/assets/), copied as is.
  const sources = [...files(join(ROOT, 'src'), () => true), ...files(join(ROOT, 'scripts'), () => true), join(ROOT, 'package.json'), join(ROOT, 'tsconfig.json')];
  const outputs = files(join(ROOT, 'dist'), (f) => /\.(js|cjs)$/.test(f));
  for (const s of sources.filter((f) => f.startsWith(join(ROOT, 'src')))) {
    const out = join(ROOT, 'dist', relative(join(ROOT, 'src'), s)).replace(/\.ts$/, '.js');
    if (!existsSync(out)) return `${relative(ROOT, out)} is missing`;
  }
  for (const b of ['hook-bundle.cjs', 'hook-start.cjs']) if (!outputs.some((f) => f.endsWith(b))) return `dist/${b} is missing`;
  const built = Math.min(...outputs.map((f) => statSync(f).mtimeMs));
  const changed = sources.find((f) => statSync(f).mtimeMs > built);
  return changed ? `${relative(ROOT, changed)} changed since the last build` : undefined;
}

export default function setup(): void {
  const why = stale();
  if (!why) return;
  process.stderr.write(`building sortie first: ${why}\n`);
  execFileSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: ['ignore', 'ignore', 'inherit'] });
}
