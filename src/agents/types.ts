import type { FileChange } from '../files.js';
import type { Env } from '../git.js';

/**
 * The adapter contract: what sortie needs to know about one coding agent. An agent lives in its
 * own folder, `src/agents/<name>/`, with two modules:
 *
 * - `index.ts` exports its `AgentAdapter`: the runtime side, loaded by every hook (so it stays
 *   small and imports nothing heavy): event names to kinds, payload parsing, output formats,
 *   how the mission reaches its shell, deadlines.
 * - `setup.ts` exports its `AgentSetup`: install, uninstall, doctor checks and trust gates,
 *   loaded only by `sortie init`, `uninstall` and `doctor` (never bundled into the hook entries).
 *
 * The registry (`index.ts` in this folder) lists the adapters; everything else (the hook
 * runner, init, uninstall, doctor, identity, the plugin files, the git runner's session
 * variables) iterates it. See README.md in this folder.
 */

/**
 * What sortie does for an agent event, whatever the agent calls it:
 * - `start`: start, resume, clear or continue-after-compaction a mission (see StartSource), and
 *   answer with the context;
 * - `heartbeat`: a sign of life, once per turn; the light path (no database). It may carry
 *   context that is waiting to be re-injected (`compaction: 'deferred'`);
 * - `precompact`: a checkpoint before the agent compacts its context;
 * - `end`: the session ended (the light path: one queue entry);
 * - `pretool` / `posttool`: around a tool call. The light path, except for a `git commit` where
 *   git hooks do not run (`gitHooksRun: false`): the guard then decides before it runs, and the
 *   commit is recorded after.
 */
export type HookKind = 'start' | 'heartbeat' | 'precompact' | 'end' | 'pretool' | 'posttool';

/** Why a start event fired: a new session, a resumed one, `/clear`, after compaction, a fork. */
export type StartSource = 'startup' | 'resume' | 'clear' | 'compact' | 'fork';

/** A tool call, as far as sortie cares: whether it runs a shell command, and which. */
export interface ToolCall {
  /** The agent's tool name (`Bash`, `run_shell_command`, `bash`, ...). */
  name: string;
  /** True for the agent's shell tool. */
  shell: boolean;
  /** The shell command line, for the shell tool. */
  command: string | undefined;
  /** The tool's whole input as the agent sent it, for an agent whose rewrite replaces all of it (Cursor's `updated_input`). */
  input?: Record<string, unknown> | undefined;
}

/** An agent's hook payload, normalized. */
export interface AgentEvent {
  /** The adapter's name (what missions record as their agent). */
  agent: string;
  /** The agent's own event name. */
  event: string;
  kind: HookKind;
  /**
   * The agent's session id. For a subagent's event, its parent's session: subagents belong to
   * their parent's mission.
   */
  sessionId: string | undefined;
  transcriptPath: string | undefined;
  /** The session's working directory (the payload's), recorded on the mission. */
  cwd: string;
  /**
   * Where to look for the repository: the agent's project variable when it sets one
   * (CLAUDE_PROJECT_DIR, GEMINI_PROJECT_DIR, COPILOT_PROJECT_DIR), else `cwd`.
   */
  projectDir: string;
  /** `start` only. */
  source: StartSource | undefined;
  /** Why it ended (`end`), or the compaction trigger (`precompact`). */
  reason: string | undefined;
  /** `pretool` / `posttool` only. */
  tool: ToolCall | undefined;
  /**
   * The event comes from a subagent (its session id above is already its parent's). Context
   * waiting for the parent is not handed to a subagent's model.
   */
  subagent?: boolean | undefined;
}

/** What sortie answers before a tool runs. Every field is optional; an empty answer prints nothing. */
export interface PreToolAnswer {
  /** Block the call with this reason (the commit guard's own message). */
  deny?: string | undefined;
  /** Run this command line instead (a rewrite that exports the mission into the shell). */
  command?: string | undefined;
  /** Context for the model (re-injection after compaction). */
  context?: string | undefined;
}

/**
 * What an answer carrying the context can say besides it, for an agent whose in-process plugin
 * (OpenCode, pi) exports the mission into its shell itself and keeps the context to inject it.
 */
export interface ContextExtras {
  /** The mission the context is for. */
  mission: number;
  /** The folder of the `sortie` shim, to put first on the shell's PATH (undefined when it could not be written). */
  bin: string | undefined;
  /** On a pre-compaction: the checkpoint just taken, in a few lines (what the compaction summary should keep). */
  checkpoint?: string | undefined;
}

/** How the agent's shell commands carry the mission's identity. */
export interface ShellIdentity {
  /**
   * The agent's own variables that its shell commands (and the git hooks they run) see, holding
   * its session id: looked up against the missions (missions/identity.ts), and recorded by the
   * git runner's post-commit (hooks/sortie.sh, generated from this list).
   */
  sessionVars: readonly string[];
  /**
   * Variables that show a process runs under this agent whatever its session (`CLAUDECODE`,
   * `COPILOT_CLI`): only a process that shows one (or a session variable) is identified by
   * process ancestry, so a person's own terminal never is.
   */
  markers: readonly string[];
  /** A file the agent sources before each shell command: SessionStart appends `export SORTIE_MISSION=<id>` and the shim's PATH there. */
  envFile?(env: Env): string | undefined;
  /**
   * The pre-tool hook rewrites each shell command to `export SORTIE_MISSION=<id> PATH=<shim>:$PATH; <command>`
   * (for agents whose shell has neither an env file nor a session variable).
   */
  rewrite: boolean;
  /**
   * Whether `sortie` runs as is in the agent's shell (the shim is on PATH there through the env
   * file or the rewrite). When false, the context names the shim by its absolute path.
   */
  sortieOnPath: boolean;
}

/**
 * The runtime side of an agent (see the top of this file). Plain data and small pure functions:
 * every hook process loads every adapter.
 */
export interface AgentAdapter {
  /** What hook commands and missions call it: `claude-code`, `codex`, ... */
  readonly name: string;
  /** Other names accepted on the command line (`sortie init --agent claude`). */
  readonly aliases: readonly string[];
  /** How people call it: `Claude Code`. */
  readonly label: string;
  /** The agent's event names that sortie wires, and what each one is. */
  readonly events: Readonly<Record<string, HookKind>>;
  /** Reads one payload (already parsed JSON; `{}` when none arrived) with the hook's env and cwd. */
  toEvent(event: string, payload: Record<string, unknown>, env: Env, fallbackCwd: string): AgentEvent;
  /**
   * stdout giving `context` to the model on `event`, in the agent's format; undefined when that
   * event cannot carry context. Used for `start` (with `extras`), for the `precompact` event of
   * an `inline` agent (with `extras`, the checkpoint included), and for deferred re-injection on
   * heartbeat, pre-tool and post-tool events (without).
   */
  contextOutput(event: string, context: string, extras?: ContextExtras): string | undefined;
  /**
   * stdout answering a pre-tool event (`ev` is that event: its tool's input); undefined prints
   * nothing (the call goes ahead as it is). Required when `events` has a `pretool`.
   */
  preToolOutput?(event: string, answer: PreToolAnswer, ev?: AgentEvent): string | undefined;
  readonly shell: ShellIdentity;
  /**
   * Whether the agent's `git commit` runs the repository's git hooks. When false (Gemini CLI
   * disables core.hooksPath in its shell), the pre-tool hook guards commits and the post-tool
   * hook records them.
   */
  readonly gitHooksRun: boolean;
  /**
   * How the context comes back after the agent compacted its conversation:
   * - `start`: the agent fires its start event again (source `compact`);
   * - `deferred`: it does not; the `precompact` handler leaves the post-compaction context in a
   *   per-session file and the next event that can carry context (`contextOutput`) delivers it;
   * - `inline`: its pre-compaction event answers with the post-compaction context itself
   *   (`contextOutput` of that event, the checkpoint in `extras`): an in-process plugin that
   *   injects the context into every request from then on (OpenCode, pi);
   * - `none`: it cannot (no event to do either).
   */
  readonly compaction: 'start' | 'deferred' | 'inline' | 'none';
  /**
   * For an agent whose pre-compaction event also fires when nothing will be compacted (Gemini
   * CLI's PreCompress fires before every request): a cheap check, on the light path, of whether
   * this one is a real compaction. Without it every `precompact` event takes a checkpoint.
   */
  precompactGate?(ev: AgentEvent, env: Env): boolean;
  /**
   * How the agent's hook environment names the project folder, as a shell word for the hook
   * command (`$CLAUDE_PROJECT_DIR`); `$PWD` for an agent that sets none and runs its hooks there.
   */
  readonly projectVar: string;
  /** Variables holding the agent's pid in its hooks' environment, if it sets any (else the hook's first non-shell ancestor is the agent). */
  readonly pidVars: readonly string[];
  /**
   * For an agent that also runs another agent's project hooks (Cursor runs Claude Code's, from
   * `.claude/settings.json`): the hook frame hands such an event to this adapter, so one
   * conversation is one mission of this agent whichever config's entry fired.
   */
  readonly runsHooksOf?: GuestHooks;
  /** Internal deadline per kind, well inside the timeout that the agent's config gives the hook. */
  readonly deadlineMs: Readonly<Record<HookKind, number>>;
  /** The setup side, loaded on demand (commands only). */
  setup(): Promise<AgentSetup>;
}

/** Another agent's hooks that an agent runs as well (AgentAdapter.runsHooksOf). */
export interface GuestHooks {
  /** The other agent's adapter name (`claude-code`). */
  agent: string;
  /** Its event names as this agent's; each maps to an event of the same kind. */
  events: Readonly<Record<string, string>>;
  /** Whether a payload arriving at the other agent's entry was sent by this agent. */
  sentByMe(payload: Record<string, unknown>, env: Env): boolean;
  /**
   * Whether this agent's own sortie entry for `event` (its name here) will fire for the same
   * event: then the other agent's entry does nothing, so nothing is recorded or injected twice.
   */
  ownEntry(event: string, projectDir: string, env: Env): boolean;
}

/** The one shell line a hook config runs (install/command.ts builds it; adapters only place it). */
export interface HookLine {
  /** The command line for one of the agent's events. */
  command(event: string): string;
  /** Whether a config entry's command is one of sortie's (so uninstall removes exactly those). */
  isOurs(command: unknown): boolean;
}

/**
 * How setup changes the repository's files. `sortie init` and `uninstall` pass their transaction's
 * (install/tx.ts): each change is journaled before it is made, a failure puts every file back byte
 * for byte, and uninstall knows what init wrote. Setup never writes a repository file any other
 * way. (A trust gate's `apply` writes the user's own agent config, outside the repository, after
 * init's transaction has committed: see TrustGate.)
 */
export interface RepoFiles {
  /** Writes a file, its folders created as needed; an existing file keeps its mode unless one is given. */
  write(file: string, text: string, mode?: number): void;
  /** Removes a file. */
  remove(file: string): void;
  /** Creates a folder and its parents where missing (an empty folder is part of what init made). */
  mkdir(dir: string): void;
}

export interface SetupContext {
  /** The repository's root. */
  root: string;
  /** The user's environment (HOME, the agents' own home variables) for user-level files. */
  env: Env;
  dryRun: boolean;
  line: HookLine;
  files: RepoFiles;
}

/** One doctor finding (commands/doctor.ts prints them; `error` makes doctor exit non-zero). */
export interface Finding {
  check: string;
  /** `info` is a note, not a problem; `warn` and `error` are problems (doctor exits 1 on either). */
  level: 'ok' | 'info' | 'warn' | 'error';
  message: string;
  fix?: string | undefined;
}

/** Whether the agent will run the hooks sortie configured. */
export interface TrustState {
  /** true: it will; false: configured but it will not run them; undefined: sortie cannot tell. */
  trusted: boolean | undefined;
  /** What was found, for doctor and init. */
  message: string;
  /** The fix when it is not the gate's usual `steps` (a setting that turns the hooks off). */
  fix?: string | undefined;
}

/** The trust gate an agent puts in front of project hooks. */
export interface TrustGate {
  /** Reads the agent's own (user-level) state. */
  state(s: SetupContext): Promise<TrustState>;
  /** What the user does once, in the agent's own terms. */
  steps(root: string): string;
  /**
   * Meets the gate in the user's own agent config (`sortie init --trust`), the way the agent's
   * own trust prompt would; returns what it changed, one line each. It runs after init's
   * transaction has committed (Codex trusts a hook by the hash of what was written) and writes
   * outside the repository, so it is not journaled: uninstall leaves the user's trust as it is.
   * Absent when only the user can (Cursor keeps its workspace trust where sortie cannot write):
   * init then only says the steps.
   */
  apply?(s: SetupContext): Promise<string[]>;
}

/** Which of sortie's entries the agent's config holds. */
export interface EntryState {
  event: string;
  installed: boolean;
  command: string | undefined;
}

/**
 * The setup side of an agent: its project config, merged (every other key and hook kept as it
 * was) and removed exactly; what doctor checks; the trust gate.
 */
export interface AgentSetup {
  /** The files or folders (relative to the root) that show the repository uses this agent; empty when none. */
  detect(root: string): string[];
  /** The config file(s) sortie writes, for messages. */
  configFiles(root: string): string[];
  /** Adds or refreshes sortie's entries. */
  install(s: SetupContext): FileChange[];
  /** Removes exactly sortie's entries; deletes a file (and the folders it left empty) when init created it and nothing else is left. */
  uninstall(s: SetupContext, createdFiles: readonly string[]): FileChange[];
  /** Sortie's entries, event by event (for doctor). */
  entries(root: string, line: HookLine): EntryState[];
  /** Absent for an agent with no trust gate. */
  trust?: TrustGate;
  /** Doctor checks of the agent's own, beyond its entries and its trust gate (OpenCode: its offline stubs). */
  checks?(s: SetupContext): Finding[];
}
