import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, realpathSync, rmSync, writeFileSync, appendFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { git as runGit, scrubGitEnv } from '../git.js';
import { HOOK_ENTRY, PACKAGE_ROOT } from '../install/paths.js';
import { colors } from '../ui.js';
import type { Ctx } from '../ctx.js';

const BIN = join(PACKAGE_ROOT, 'bin', 'sortie.js');

/**
 * A whole lifecycle in a throwaway repository, through the same doors a real install uses: the
 * CLI, the hook entry the agents call, and real `git commit`s through the installed git hooks.
 */
export async function runDemo(ctx: Ctx, o: { keep: boolean }): Promise<number> {
  const c = colors(ctx);
  const dir = realpathSync(mkdtempSync(join(tmpdir(), 'sortie-demo-')));
  const baseEnv: Record<string, string | undefined> = {
    ...scrubGitEnv(ctx.env),
    NO_COLOR: ctx.env.NO_COLOR,
    GIT_CONFIG_NOSYSTEM: '1',
    GIT_AUTHOR_NAME: 'Dana Demo',
    GIT_AUTHOR_EMAIL: 'dana@example.com',
    GIT_COMMITTER_NAME: 'Dana Demo',
    GIT_COMMITTER_EMAIL: 'dana@example.com',
    SORTIE_MISSION: undefined,
    CLAUDECODE: undefined,
    CLAUDE_CODE_SESSION_ID: undefined,
    SORTIE_DB: undefined,
  };
  const out = (s = '') => ctx.stdout.write(`${s}\n`);
  const step = (n: number, title: string) => out(`\n${c.bold(c.cyan(`${n}. ${title}`))}`);
  const show = (text: string) => {
    const t = text.trimEnd();
    if (t) out(t.split('\n').map((l) => `   ${l}`).join('\n'));
  };
  const run = (cmd: string, args: string[], env: Record<string, string | undefined> = {}, input?: string) => {
    const r = spawnSync(cmd, args, { cwd: dir, env: clean({ ...baseEnv, ...env }), encoding: 'utf8', input: input ?? '' });
    return { code: r.status ?? 1, text: `${r.stdout ?? ''}${r.stderr ?? ''}` };
  };
  const sortie = (args: string[], env: Record<string, string | undefined> = {}, label?: string) => {
    out(c.dim(`   $ ${label ?? ''}sortie ${args.join(' ')}`));
    const r = run(process.execPath, [BIN, ...args], env);
    show(r.text);
    return r;
  };
  const git = (args: string[], env: Record<string, string | undefined> = {}, label?: string) => {
    if (label !== undefined) out(c.dim(`   $ ${label}git ${args.join(' ')}`));
    const g = runGit(args, { cwd: dir, env: { ...baseEnv, ...env } });
    const r = { code: g.code ?? 1, text: `${g.out}${g.out && g.err ? '\n' : ''}${g.err}` };
    if (label !== undefined) show(r.text);
    return r;
  };
  // An "agent" is a long-lived process; its hooks find it as their CLAUDE_PID.
  const agents: { name: string; sid: string; pid: number; kill: () => void }[] = [];
  const startAgent = (name: string) => {
    const child = spawn(process.execPath, ['-e', 'setInterval(() => {}, 1 << 30)'], { stdio: 'ignore' });
    const sid = `demo-${name}-${child.pid}`;
    const a = { name, sid, pid: child.pid!, kill: () => child.kill('SIGKILL') };
    agents.push(a);
    return a;
  };
  const agentEnv = (a: { sid: string; pid: number }, mission?: string) => ({ CLAUDECODE: '1', CLAUDE_CODE_SESSION_ID: a.sid, CLAUDE_PID: String(a.pid), SORTIE_MISSION: mission });
  const hook = (a: { sid: string; pid: number }, event: string, payload: Record<string, unknown>) => {
    const envFile = join(dir, '.git', `env-${a.sid}`);
    const r = run(process.execPath, [HOOK_ENTRY, 'claude-code', event], { ...agentEnv(a), CLAUDE_ENV_FILE: envFile, CLAUDE_PROJECT_DIR: dir }, JSON.stringify({ session_id: a.sid, cwd: dir, hook_event_name: event, transcript_path: join(dir, '.git', `${a.sid}.jsonl`), ...payload }));
    const mission = /SORTIE_MISSION='?(\d+)/.exec(run('cat', [envFile]).text)?.[1];
    return { ...r, mission };
  };

  try {
    out(c.bold('sortie demo: two agents, one repository, one task they both want'));
    out(c.dim(`throwaway repository: ${dir}`));

    step(1, 'A repository with sortie installed once');
    git(['init', '-q', '-b', 'main']);
    writeFileSync(join(dir, 'app.js'), 'export const login = () => "redirect";\n');
    git(['add', '.']);
    git(['commit', '-qm', 'initial']);
    sortie(['init']);

    step(2, 'Tasks are markdown files; sortie indexes them');
    sortie(['task', 'new', 'Fix the login redirect', '--priority', 'high']);
    sortie(['task', 'new', 'Add a logout button', '--depends-on', 'TASK-1']);
    git(['add', '.']);
    git(['commit', '-qm', 'Add tasks']);

    step(3, 'Agent "alpha" starts: SessionStart records a mission and injects context');
    const alpha = startAgent('alpha');
    const s1 = hook(alpha, 'SessionStart', { source: 'startup' });
    const ctx1 = JSON.parse(s1.text.trim().split('\n')[0] ?? '{}') as { hookSpecificOutput?: { additionalContext?: string } };
    show((ctx1.hookSpecificOutput?.additionalContext ?? s1.text).split('\n').slice(0, 12).join('\n'));
    sortie(['task', 'claim', 'TASK-1'], agentEnv(alpha, s1.mission), 'alpha> ');

    step(4, 'Agent "bravo" starts and wants the same task');
    const bravo = startAgent('bravo');
    const s2 = hook(bravo, 'SessionStart', { source: 'startup' });
    sortie(['task', 'claim', 'TASK-1'], agentEnv(bravo, s2.mission), 'bravo> ');
    appendFileSync(join(dir, 'app.js'), '// bravo was here\n');
    const blocked = git(['commit', '-qam', 'TASK-1: fix redirect'], agentEnv(bravo, s2.mission), 'bravo> ');
    out(blocked.code === 0 ? c.red('   (unexpected: the commit went through)') : c.green(`   -> blocked, exit ${blocked.code}; nothing was committed`));
    git(['checkout', '--', 'app.js']);

    step(5, 'Alpha, the holder, commits on the task');
    writeFileSync(join(dir, 'app.js'), 'export const login = () => "dashboard";\n');
    git(['commit', '-qam', 'TASK-1: send users to the dashboard after login'], agentEnv(alpha, s1.mission), 'alpha> ');
    out(c.green(`   -> committed ${git(['rev-parse', '--short', 'HEAD']).text.trim()}, recorded on alpha's mission`));

    step(6, 'Alpha crashes (SIGKILL: no SessionEnd). Agent "charlie" starts and sortie reaps alpha');
    alpha.kill();
    await new Promise((r) => setTimeout(r, 200));
    const charlie = startAgent('charlie');
    const s3 = hook(charlie, 'SessionStart', { source: 'startup' });
    const ctx3 = (JSON.parse(s3.text.trim().split('\n')[0] ?? '{}') as { hookSpecificOutput?: { additionalContext?: string } }).hookSpecificOutput?.additionalContext ?? '';
    show(ctx3.split('\n').filter((l) => /waiting|TASK-1|reaped|dead/i.test(l)).join('\n'));
    sortie(['task', 'claim', 'TASK-1'], agentEnv(charlie, s3.mission), 'charlie> ');
    sortie(['task', 'done', 'TASK-1'], agentEnv(charlie, s3.mission), 'charlie> ');

    step(7, 'Bravo and charlie exit normally: SessionEnd closes their missions');
    hook(bravo, 'SessionEnd', { reason: 'prompt_input_exit' });
    hook(charlie, 'SessionEnd', { reason: 'prompt_input_exit' });
    sortie(['mission', 'list', '--all']);

    step(8, 'The dashboard and the log');
    sortie(['status']);
    sortie(['log', '--since', '1h']);
    out(`\n${c.bold('That is sortie:')} missions recorded, context injected, dead agents reaped, and commits on unclaimed tasks blocked.`);
    if (o.keep) out(c.dim(`kept: ${dir}`));
    return 0;
  } finally {
    for (const a of agents) a.kill();
    if (!o.keep) rmSync(dir, { recursive: true, force: true });
  }
}

function clean(env: Record<string, string | undefined>): NodeJS.ProcessEnv {
  return Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined)) as NodeJS.ProcessEnv;
}
