/**
 * The layers of src/, bottom to top (README, "Development"). A module may import from its own
 * layer or a lower one, never from a higher one: type-only imports count too, since a type that
 * lives above is a dependency on that layer's design all the same. So a hook's walk and a commit's
 * walk go downward only, and the domain never learns about the handlers that call it.
 */
import { readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { expect, test } from 'vitest';
import { ROOT } from '../helpers/repo.js';

const LAYERS = ['base', 'config', 'store', 'domain', 'world', 'adapters', 'handlers', 'entries'] as const;
type Layer = (typeof LAYERS)[number];

const BASE = ['errors.ts', 'env-errors.ts', 'deadline.ts', 'seam.ts', 'text.ts', 'time.ts', 'trace.ts', 'lazy.ts', 'package-root.ts', 'version.ts', 'files.ts', 'git.ts', 'ctx.ts', 'ui.ts'];
const ENTRIES = ['cli.ts', 'hook.ts', 'hook-start.ts', 'hook-light.ts', 'index.ts'];
const FOLDERS: Record<string, Layer> = {
  config: 'config',
  store: 'store',
  tasks: 'domain',
  missions: 'domain',
  remote: 'domain',
  context: 'domain',
  world: 'world',
  agents: 'adapters',
  hooks: 'handlers',
  guard: 'handlers',
  install: 'handlers',
  commands: 'handlers',
  demo: 'handlers',
  ui: 'handlers',
  import: 'handlers',
};

function layerOf(file: string): Layer | undefined {
  if (BASE.includes(file)) return 'base';
  if (ENTRIES.includes(file)) return 'entries';
  if (file === 'activity.ts' || file === 'imports.ts') return 'domain';
  const top = file.split('/')[0]!;
  return file.includes('/') ? FOLDERS[top] : undefined;
}

const src = join(ROOT, 'src');

function sources(dir = src): string[] {
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    if (statSync(p).isDirectory()) return sources(p);
    return n.endsWith('.ts') ? [relative(src, p)] : [];
  });
}

/** Relative specifiers of `import … from`, `export … from`, `import '…'` and `import('…')`. */
function imports(text: string): string[] {
  const re = /(?:\bfrom\s*|\bimport\s*\(\s*|\bimport\s+)['"](\.{1,2}\/[^'"]+)['"]/g;
  return [...text.matchAll(re)].map((m) => m[1]!);
}

/**
 * Upward imports that existed when this test was written, removed one by one by the commits that
 * fixed them. Each entry must still exist (so the list only shrinks) and nothing may join it.
 */
const KNOWN: string[] = [];

test('every source file belongs to a layer', () => {
  expect(sources().filter((f) => !layerOf(f))).toEqual([]);
});

test('no module imports from a layer above its own', () => {
  const upward: string[] = [];
  for (const file of sources()) {
    const from = layerOf(file)!;
    for (const spec of imports(readFileSync(join(src, file), 'utf8'))) {
      const target = relative(src, resolve(src, dirname(file), spec)).replace(/\.js$/, '.ts');
      const to = layerOf(target);
      if (to && LAYERS.indexOf(to) > LAYERS.indexOf(from)) upward.push(`${file} -> ${target}`);
    }
  }
  expect(upward.sort()).toEqual([...KNOWN].sort());
});
