/**
 * Proves the test harness drives the REAL Claude Code CLI offline against the
 * fake model: project hooks run, hook context reaches the model, the Bash tool
 * runs scripted commands, and a SIGKILLed claude records no SessionEnd.
 * Independent of sortie's own code on purpose.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, test } from 'vitest';
import { claudeAvailable, claudeVersion, runClaude, spawnClaude } from '../helpers/claude.js';
import { startFakeModel, type FakeModel } from '../helpers/fake-model.js';

const TIMEOUT = 60_000;

interface Fixture {
  repo: string;
  logDir: string;
  startLog: string;
  endLog: string;
}

const cleanups: Array<() => void | Promise<void>> = [];

afterEach(async () => {
  while (cleanups.length > 0) await cleanups.pop()!();
});

function tempDir(prefix: string): string {
  const dir = mkdtempSync(path.join(tmpdir(), prefix));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** git with GIT_* scrubbed and a throwaway HOME, so neither a surrounding git hook nor global config leaks in. */
function git(cwd: string, home: string, ...args: string[]): string {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('GIT_')) env[k] = v;
  env.HOME = home;
  env.GIT_CONFIG_NOSYSTEM = '1';
  return execFileSync('git', args, { cwd, env, encoding: 'utf8' });
}

const sq = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;

function makeRepo(): Fixture {
  const root = tempDir('claude-harness-');
  const repo = path.join(root, 'repo');
  const logDir = path.join(root, 'logs');
  const gitHome = path.join(root, 'git-home');
  mkdirSync(repo);
  mkdirSync(logDir);
  mkdirSync(gitHome);
  const startLog = path.join(logDir, 'session-start.jsonl');
  const endLog = path.join(logDir, 'session-end.jsonl');

  git(repo, gitHome, 'init', '-q');
  git(repo, gitHome, 'config', 'user.name', 'Harness Test');
  git(repo, gitHome, 'config', 'user.email', 'harness@example.invalid');
  git(repo, gitHome, 'config', 'commit.gpgsign', 'false');

  const hooksDir = path.join(repo, '.claude', 'hooks');
  mkdirSync(hooksDir, { recursive: true });
  const startHook = path.join(hooksDir, 'session-start.sh');
  const endHook = path.join(hooksDir, 'session-end.sh');
  writeFileSync(
    startHook,
    [
      '#!/bin/sh',
      `{ cat; echo; } >> ${sq(startLog)}`,
      'echo "export CANARY_VAR=hello" >> "$CLAUDE_ENV_FILE"',
      `printf '%s\\n' '{"hookSpecificOutput":{"hookEventName":"SessionStart","additionalContext":"CANARY-CONTEXT-123"}}'`,
      '',
    ].join('\n'),
  );
  writeFileSync(endHook, ['#!/bin/sh', `{ cat; echo; } >> ${sq(endLog)}`, ''].join('\n'));
  chmodSync(startHook, 0o755);
  chmodSync(endHook, 0o755);
  const hook = (file: string) => [{ hooks: [{ type: 'command', command: `"$CLAUDE_PROJECT_DIR"/.claude/hooks/${file}`, timeout: 10 }] }];
  writeFileSync(
    path.join(repo, '.claude', 'settings.json'),
    JSON.stringify({ hooks: { SessionStart: hook('session-start.sh'), SessionEnd: hook('session-end.sh') } }, null, 2),
  );
  git(repo, gitHome, 'add', '-A');
  git(repo, gitHome, 'commit', '-q', '-m', 'init');
  return { repo, logDir, startLog, endLog };
}

function readEvents(file: string): any[] {
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l));
}

async function fakeModel(...args: Parameters<typeof startFakeModel>): Promise<FakeModel> {
  const fm = await startFakeModel(...args);
  cleanups.push(() => fm.close());
  return fm;
}

describe.skipIf(!claudeAvailable())(`real Claude Code ${claudeVersion() ?? '(missing)'} against the fake model`, () => {
  test(
    'runs project hooks, injects context, and runs the scripted Bash command',
    async () => {
      const fx = makeRepo();
      writeFileSync(path.join(fx.repo, 'untracked.txt'), 'x\n');
      const fm = await fakeModel([{ bash: 'echo "var=$CANARY_VAR sid=$CLAUDE_CODE_SESSION_ID" && git status --short' }]);

      const result = await runClaude({ cwd: fx.repo, prompt: 'run the check', modelUrl: fm.url, timeoutMs: TIMEOUT });
      const diag = JSON.stringify({ result, requests: fm.requests.map((r) => `${r.method} ${r.path}`) });
      expect(result.code, diag).toBe(0);
      expect(result.stdout).toContain('done');

      const starts = readEvents(fx.startLog);
      expect(starts).toHaveLength(1);
      expect(starts[0]).toMatchObject({ hook_event_name: 'SessionStart', source: 'startup', cwd: fx.repo });
      const sessionId: string = starts[0].session_id;
      expect(sessionId).toMatch(/^[0-9a-f-]{36}$/);

      const ends = readEvents(fx.endLog);
      expect(ends).toHaveLength(1);
      expect(ends[0]).toMatchObject({ hook_event_name: 'SessionEnd', session_id: sessionId });

      expect(fm.mainRequests().length).toBe(2);
      expect(fm.mainRequests()[0]!.raw).toContain('CANARY-CONTEXT-123');
      expect(fm.allText()).toContain('CANARY-CONTEXT-123');

      const results = fm.toolResults();
      expect(results).toHaveLength(1);
      expect(results[0]).toContain('var=hello');
      expect(results[0]).toContain(`sid=${sessionId}`);
      expect(results[0]).toContain('?? untracked.txt');
    },
    TIMEOUT,
  );

  test(
    'SIGKILL while the model holds a request open: process dies, no SessionEnd',
    async () => {
      const fx = makeRepo();
      const fm = await fakeModel([{ hang: true }]);
      const child = spawnClaude({ cwd: fx.repo, prompt: 'hang please', modelUrl: fm.url });
      let output = '';
      child.stdout?.on('data', (d) => (output += d));
      child.stderr?.on('data', (d) => (output += d));
      const closed = new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
        child.once('close', (code, signal) => resolve([code, signal])),
      );
      cleanups.push(() => {
        if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      });

      await fm.waitForMainRequest(1, TIMEOUT);
      expect(readEvents(fx.startLog)).toHaveLength(1);

      expect(child.kill('SIGKILL')).toBe(true);
      const [code, signal] = await closed;
      expect({ code, signal, output }).toMatchObject({ code: null, signal: 'SIGKILL' });
      expect(() => process.kill(child.pid!, 0)).toThrow();

      await new Promise((r) => setTimeout(r, 1500));
      expect(readEvents(fx.endLog)).toHaveLength(0);
      expect(fm.mainRequests()).toHaveLength(1);
    },
    TIMEOUT,
  );
});
