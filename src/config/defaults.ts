import type { SortieConfig } from './types.js';

export const DEFAULT_CONFIG: SortieConfig = {
  tasks: {
    dir: '.sortie/tasks',
    // Linear/Jira-style keys: AUTH-12, WEB2-7.
    idPattern: '[A-Z][A-Z0-9]+-[0-9]+',
    idTemplate: '{prefix}-{n}',
    prefix: 'TASK',
  },
  missions: {
    staleAfter: '2h',
    journal: true,
    journalDir: '.sortie/missions',
  },
  guard: {
    unknownTask: 'warn',
    closedTask: 'warn',
    personPolicy: 'own',
    onError: 'allow',
    checkBranch: true,
    checkStagedTasks: true,
  },
  context: {
    budget: 6000,
  },
  remote: {
    enabled: true,
    name: 'origin',
    lease: '2h',
    offline: 'claim-locally',
  },
};

/** The shape used to validate files: every key and the type (or allowed values) of its value. */
export const SCHEMA: Record<string, Record<string, 'string' | 'boolean' | 'number' | readonly string[]>> = {
  tasks: { dir: 'string', idPattern: 'string', idTemplate: 'string', prefix: 'string' },
  missions: { staleAfter: 'string', journal: 'boolean', journalDir: 'string' },
  guard: {
    unknownTask: ['ignore', 'warn', 'block'],
    closedTask: ['ignore', 'warn', 'block'],
    personPolicy: ['own', 'anyone'],
    onError: ['allow', 'block'],
    checkBranch: 'boolean',
    checkStagedTasks: 'boolean',
  },
  context: { budget: 'number' },
  remote: { enabled: 'boolean', name: 'string', lease: 'string', offline: ['claim-locally', 'refuse'] },
};
