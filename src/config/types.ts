export type Verdict = 'ignore' | 'warn' | 'block';

export interface SortieConfig {
  tasks: {
    /** Folder of task files, relative to the worktree root. */
    dir: string;
    /** Regular expression (source, no anchors) that a task id matches. Case-sensitive. */
    idPattern: string;
    /** How `task new` builds an id: {prefix}, {role}, {P} (priority letter), {n} or {n:4} (zero-padded). */
    idTemplate: string;
    /** Default {prefix} for new ids. */
    prefix: string;
  };
  missions: {
    /** A mission with no sign of life for this long is reaped (`2h`, `90m`). */
    staleAfter: string;
    /** Keep a readable journal per mission under journalDir. */
    journal: boolean;
    journalDir: string;
  };
  guard: {
    /** A referenced id that matches the pattern and a known prefix but no task. */
    unknownTask: Verdict;
    /** A referenced task that is COMPLETE or ABORTED. */
    closedTask: Verdict;
    /** A person's commit passes if the task is claimed by them (`own`) or by any live mission (`anyone`). */
    personPolicy: 'own' | 'anyone';
    /** What an internal error in the guard does to the commit. */
    onError: 'allow' | 'block';
    checkBranch: boolean;
    checkStagedTasks: boolean;
  };
  context: {
    /** Characters of context injected at conversation start (hard cap 9,500). */
    budget: number;
  };
  /** Claims shared with other clones through the git remote (refs under refs/sortie/). */
  remote: {
    /** Share claims through the remote when the repository has it (false: this clone only). */
    enabled: boolean;
    /** The git remote that holds the shared claims. */
    name: string;
    /** How long a claim on the remote lasts unless its mission renews it (`2h`, `90m`). */
    lease: string;
    /** The remote cannot be reached at claim time: claim here and publish later, or refuse. */
    offline: 'claim-locally' | 'refuse';
  };
}

/** What a config file may hold: any part of the config, plus the preset(s) it extends. */
export type SortieConfigInput = DeepPartial<SortieConfig> & { extends?: string | string[] };

export type DeepPartial<T> = { [K in keyof T]?: T[K] extends object ? DeepPartial<T[K]> : T[K] };

export function defineConfig(config: SortieConfigInput): SortieConfigInput {
  return config;
}
