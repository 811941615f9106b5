/**
 * Single sources: the build writes the Claude Code plugin's files from the Claude adapter's event
 * table and package.json, and the git runner's session-variable line from the agent registry
 * (scripts/plugin-files.js). They are committed (the package root is the
 * plugin), so the committed copies are compared with what the build makes: a changed adapter
 * whose regenerated hooks.json was not committed fails here. The CLI's version is package.json's.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { pluginHooksJson } from '../../dist/agents/claude-code/setup.js';
import { sessionVarsLine, SESSION_VARS } from '../../dist/agents/index.js';
import { VERSION } from '../../dist/version.js';
import { ROOT, cleanEnv } from '../helpers/repo.js';

/** The file as committed (HEAD); outside a git checkout (an unpacked tarball), as it is. */
function committed(path: string): string {
  if (!existsSync(join(ROOT, '.git'))) return readFileSync(join(ROOT, path), 'utf8');
  return execFileSync('git', ['show', `HEAD:${path}`], { cwd: ROOT, env: cleanEnv(), encoding: 'utf8' });
}

const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };

test('the committed hooks/hooks.json is what the Claude adapter generates (the build writes it: commit it)', () => {
  expect(committed('hooks/hooks.json')).toBe(pluginHooksJson());
});

test("the committed plugin manifest and the CLI carry package.json's version", () => {
  expect(JSON.parse(committed('.claude-plugin/plugin.json')).version).toBe(pkg.version);
  expect(VERSION).toBe(pkg.version);
});

test("the committed git runner's post-commit takes every agent's session variable, in registry order", () => {
  const runner = committed('hooks/sortie.sh');
  expect(runner.split('\n')).toContain(sessionVarsLine());
  for (const v of SESSION_VARS) expect(runner).toContain(`\${${v}:-`);
});
