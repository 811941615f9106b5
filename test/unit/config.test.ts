import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig, presetNames, resolveConfig } from '../../dist/config/load.js';
import { DEFAULT_CONFIG } from '../../dist/config/defaults.js';
import { SortieError } from '../../dist/errors.js';
import { makeRepo } from '../helpers/repo.js';

function configError(raw: unknown, file = '/repo/.sortierc.json'): SortieError {
  try {
    resolveConfig(raw, file);
  } catch (e) {
    expect(e).toBeInstanceOf(SortieError);
    return e as SortieError;
  }
  throw new Error('expected a config error');
}

describe('config validation', () => {
  it('names the unknown key and the file, and suggests the nearest key', () => {
    const e = configError({ tasks: { idPatern: 'X-[0-9]+' } });
    expect(e.code).toBe('CONFIG');
    expect(e.exitCode).toBe(2);
    expect(e.message).toBe('/repo/.sortierc.json: unknown config key "tasks.idPatern" (did you mean "tasks.idPattern"?)');
    expect(e.data).toEqual({ key: 'tasks.idPatern', file: '/repo/.sortierc.json' });
  });

  it('names an unknown section with a suggestion, and gives none when nothing is close', () => {
    expect(configError({ mision: {} }).message).toContain('unknown config key "mision" (did you mean "missions"?)');
    const far = configError({ tasks: { zzzzzzzzzzzz: 1 } });
    expect(far.message).toBe('/repo/.sortierc.json: unknown config key "tasks.zzzzzzzzzzzz"');
    expect(far.hint).toBe('valid keys here: tasks.dir, tasks.idPattern, tasks.idTemplate, tasks.prefix');
  });

  it('rejects a value of the wrong type, naming key, file, expected type and value', () => {
    expect(configError({ missions: { journal: 'yes' } }).message).toBe('/repo/.sortierc.json: "missions.journal" must be a boolean, got "yes"');
    expect(configError({ context: { budget: '6000' } }).message).toBe('/repo/.sortierc.json: "context.budget" must be a number, got "6000"');
    expect(configError({ guard: { unknownTask: 'explode' } }).message).toBe(
      '/repo/.sortierc.json: "guard.unknownTask" must be one of "ignore", "warn", "block", got "explode"',
    );
    expect(configError({ tasks: 'x' }).message).toBe('/repo/.sortierc.json: "tasks" must be an object');
    expect(configError([]).message).toBe('/repo/.sortierc.json: the sortie config must be an object');
    expect(configError({ tasks: { idPattern: '([' } }).message).toMatch(/^\/repo\/\.sortierc\.json: tasks\.idPattern is not a valid regular expression/);
  });

  it('rejects an unknown preset, listing the real ones', () => {
    const e = configError({ extends: 'recomended' });
    expect(e.message).toBe('/repo/.sortierc.json: unknown preset "recomended" in "extends"');
    expect(e.hint).toBe('use one of: recommended, site-nine, solo, strict');
    // A preset name is never a path.
    expect(configError({ extends: '../../package' }).message).toContain('unknown preset "../../package"');
    expect(configError({ extends: 42 }).message).toContain('"extends" must be a preset name or a list of them');
  });

  it('resolves each preset over the defaults', () => {
    expect(presetNames()).toEqual(['recommended', 'site-nine', 'solo', 'strict']);
    expect(resolveConfig({ extends: 'recommended' }, 'f')).toEqual(DEFAULT_CONFIG);
    const strict = resolveConfig({ extends: 'strict' }, 'f');
    expect(strict.guard).toEqual({ ...DEFAULT_CONFIG.guard, unknownTask: 'block', closedTask: 'block', onError: 'block' });
    const solo = resolveConfig({ extends: 'solo' }, 'f');
    expect(solo.guard.personPolicy).toBe('anyone');
    expect(solo.missions.staleAfter).toBe('24h');
    const s9 = resolveConfig({ extends: 'site-nine' }, 'f');
    expect(s9.tasks).toEqual({ dir: '.sortie/tasks', idPattern: '[A-Z]{3}-[CHML]-[0-9]{4}', idTemplate: '{role}-{P}-{n:4}', prefix: 'OPR' });
  });

  it('merges defaults <- presets in order <- the file', () => {
    const c = resolveConfig({ extends: ['strict', 'solo'], missions: { staleAfter: '45m' }, tasks: { prefix: 'AUTH' } }, 'f');
    expect(c.guard.unknownTask).toBe('block');
    expect(c.guard.personPolicy).toBe('anyone');
    expect(c.missions).toEqual({ staleAfter: '45m', journal: true, journalDir: '.sortie/missions' });
    expect(c.tasks.prefix).toBe('AUTH');
    expect(c.tasks.idPattern).toBe(DEFAULT_CONFIG.tasks.idPattern);
  });
});

describe('config files in a real repo', () => {
  // Each test writes the config it is about into a repository of its own.
  const repos: ReturnType<typeof makeRepo>[] = [];
  afterAll(() => repos.forEach((r) => r.cleanup()));
  const fresh = () => {
    const r = makeRepo({ name: 'config' });
    repos.push(r);
    return r;
  };

  it('runs on defaults when there is no config file', async () => {
    const repo = fresh();
    const c = await loadConfig(repo.dir);
    expect(c.file).toBeUndefined();
    expect(c.config).toEqual(DEFAULT_CONFIG);
  });

  it('reports a bad .sortierc.json with its path, key and suggestion, exit 2', () => {
    const repo = fresh();
    const file = repo.write('.sortierc.json', JSON.stringify({ extends: 'recommended', missions: { staleAftr: '1h' } }));
    const r = repo.sortie(['task', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: unknown config key "missions.staleAftr" (did you mean "missions.staleAfter"?)`);
    const j = repo.sortie(['status', '--json']);
    expect(j.code).toBe(2);
    expect(j.json().error).toMatchObject({ code: 'CONFIG', key: 'missions.staleAftr', file });
  });

  it('reports JSON that does not parse with its path, exit 2', () => {
    const repo = fresh();
    const file = repo.write('.sortierc.json', '{ "extends": "recommended", }');
    const r = repo.sortie(['status']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: not valid JSON`);
  });

  it('finds package.json#sortie through cosmiconfig and validates it', async () => {
    const repo = fresh();
    const pkg = repo.write('package.json', JSON.stringify({ name: 'x', sortie: { extends: 'solo' } }));
    const c = await loadConfig(repo.dir);
    expect(c.file).toBe(pkg);
    expect(c.config.guard.personPolicy).toBe('anyone');
    repo.write('package.json', JSON.stringify({ name: 'x', sortie: { guard: { personPolcy: 'own' } } }));
    const r = repo.sortie(['task', 'list']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${pkg}: unknown config key "guard.personPolcy" (did you mean "guard.personPolicy"?)`);
  });
});

describe('the site-nine preset', () => {
  const repo = makeRepo({ name: 'site-nine' });
  afterAll(() => repo.cleanup());

  it('makes `sortie task new` produce OPR-H-0001-style ids', () => {
    repo.write('.sortierc.json', JSON.stringify({ extends: 'site-nine' }));
    const a = repo.sortie(['task', 'new', 'Harden the relay', '--priority', 'high', '--json']);
    expect(a.code).toBe(0);
    expect(a.json().task.id).toBe('OPR-H-0001');
    const b = repo.sortie(['task', 'new', 'Tidy logs', '--priority', 'low', '--json']);
    expect(b.json().task.id).toBe('OPR-L-0002');
    const c = repo.sortie(['task', 'new', 'Fix the UI', '-p', 'critical', '--role', 'UIX', '--json']);
    expect(c.json().task.id).toBe('UIX-C-0003');
    const files = repo.git('ls-files', '--others', '--exclude-standard', '.sortie/tasks').split('\n').sort();
    expect(files).toEqual(['.sortie/tasks/OPR-H-0001-harden-the-relay.md', '.sortie/tasks/OPR-L-0002-tidy-logs.md', '.sortie/tasks/UIX-C-0003-fix-the-ui.md']);
    expect(repo.read('.sortie/tasks/OPR-H-0001-harden-the-relay.md')).toMatch(/^---\nid: OPR-H-0001\ntitle: Harden the relay\nstatus: TODO\npriority: high\n/);
    // The default-style id is not a task id here.
    const bad = repo.sortie(['task', 'show', 'AUTH-1']);
    expect(bad.code).toBe(2);
    const list = repo.sortie(['task', 'list', '--json']).json();
    expect(list.tasks.map((t: { id: string }) => t.id)).toEqual(['UIX-C-0003', 'OPR-H-0001', 'OPR-L-0002']);
  });
});
