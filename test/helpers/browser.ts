/**
 * A real browser for the ui tests: Debian's Chromium (/usr/bin/chromium, `apt-get install
 * chromium`) driven by playwright-core, which never downloads a browser of its own. Each launch
 * gets a fresh profile folder. Where Chromium is missing the tests skip, except in CI (CI=true),
 * where .ci/run installs it and a missing browser is a failure.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';
import { BIN } from './repo.js';

export const CHROMIUM = process.env.SORTIE_CHROMIUM ?? '/usr/bin/chromium';

export function chromiumAvailable(): boolean {
  if (existsSync(CHROMIUM)) return true;
  if (process.env.CI) throw new Error(`${CHROMIUM} is missing: CI must install it (apt-get install -y chromium; see .ci/run)`);
  console.warn(`${CHROMIUM} is missing: the browser tests are skipped (apt-get install -y chromium)`);
  return false;
}

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

export async function launch(viewport = { width: 1440, height: 900 }): Promise<Browser> {
  const profile = mkdtempSync(join(tmpdir(), 'sortie-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    viewport,
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profile, { recursive: true, force: true });
    },
  };
}

export interface UiProcess {
  url: string;
  port: number;
  token: string;
  child: ChildProcess;
  output: () => string;
  /** Ctrl-C, and the exit code. */
  stop(): Promise<number | null>;
}

/** Starts the built `sortie ui --json` in a repository and reads the URL it prints. */
export function startUi(cwd: string, env: Record<string, string>, args: string[] = []): Promise<UiProcess> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BIN, 'ui', '--json', ...args], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stderr!.on('data', (d) => (err += d));
    child.once('exit', (code) => reject(new Error(`sortie ui exited ${code}: ${err}`)));
    child.stdout!.on('data', (d) => {
      out += d;
      const line = out.split('\n')[0];
      if (!out.includes('\n') || !line) return;
      const { url, port } = JSON.parse(line) as { url: string; port: number };
      resolve({
        url,
        port,
        token: new URL(url).pathname.split('/')[1]!,
        child,
        output: () => out + err,
        stop: () =>
          new Promise((done) => {
            child.removeAllListeners('exit');
            if (child.exitCode !== null) return done(child.exitCode);
            child.once('exit', (code) => done(code));
            child.kill('SIGINT');
          }),
      });
    });
  });
}
