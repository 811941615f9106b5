/**
 * The `git commit` calls in a shell command line, read without running it: for agents whose
 * `git commit` runs no git hook (Gemini CLI), the commit guard judges the command before the
 * agent's shell runs it. This reads the sh grammar an agent writes in one line (words, quotes,
 * escapes, `;` `&&` `||` `|` `&`, newlines, parentheses and braces), not all of it: what it cannot
 * know (a message built by `$(...)` or a variable) is marked `dynamic` and judged as written.
 */

export interface CommitCall {
  /** The -m/--message values, in order (git makes each a paragraph). */
  messages: string[];
  /** -F/--file: the message file, as written (relative to the command's directory). */
  file: string | undefined;
  /** -a/--all: tracked changes are staged by the commit itself. */
  all: boolean;
  /** --amend without a new message keeps HEAD's message. */
  amend: boolean;
  /** -C/-c/--reuse-message/--reedit-message/--fixup/--squash: the message comes from this commit. */
  reuse: string | undefined;
  /** -n/--no-verify: git would skip pre-commit and commit-msg, so the guard stands down too. */
  noVerify: boolean;
  /** SORTIE_SKIP=1 before the command (or exported earlier in the line): sortie stands down. */
  skip: boolean;
  /** `git -C <dir>`: where git runs. */
  dir: string | undefined;
  /** Some of the message is computed by the shell (`$(...)`, `$VAR`, backquotes). */
  dynamic: boolean;
}

interface Word {
  text: string;
  dynamic: boolean;
}

/** A cheap first test (no parsing): could this line run `git commit` at all? */
export function mentionsGitCommit(line: string): boolean {
  return /\bgit\b/.test(line) && /\bcommit\b/.test(line);
}

/** Splits a line into simple commands of words. */
function commands(line: string): Word[][] {
  const out: Word[][] = [];
  let cmd: Word[] = [];
  let word: Word | undefined;
  const push = () => {
    if (word) cmd.push(word);
    word = undefined;
  };
  const end = () => {
    push();
    if (cmd.length) out.push(cmd);
    cmd = [];
  };
  const w = () => (word ??= { text: '', dynamic: false });
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === '\\') {
      if (line[i + 1] === '\n') i++;
      else if (i + 1 < line.length) w().text += line[++i];
    } else if (c === "'") {
      const j = line.indexOf("'", i + 1);
      const close = j < 0 ? line.length : j;
      w().text += line.slice(i + 1, close);
      i = close;
    } else if (c === '"') {
      const cur = w();
      for (i++; i < line.length && line[i] !== '"'; i++) {
        const d = line[i]!;
        if (d === '\\' && i + 1 < line.length && '"\\$`\n'.includes(line[i + 1]!)) {
          if (line[i + 1] !== '\n') cur.text += line[i + 1];
          i++;
        } else {
          if (d === '$' || d === '`') cur.dynamic = true;
          cur.text += d;
        }
      }
    } else if (c === '#' && !word) {
      // A comment runs to the end of the line.
      const j = line.indexOf('\n', i);
      if (j < 0) break;
      i = j - 1;
    } else if (c === ';' || c === '&' || c === '|' || c === '\n' || c === '(' || c === ')') {
      end();
    } else if (c === ' ' || c === '\t') {
      push();
    } else if ((c === '{' || c === '}') && !word && (line[i + 1] === undefined || /\s/.test(line[i + 1]!))) {
      end();
    } else {
      if (c === '$' || c === '`') w().dynamic = true;
      w().text += c;
    }
  }
  end();
  return out;
}

const ASSIGNMENT = /^[A-Za-z_][A-Za-z0-9_]*=/;
/** Short options of `git commit` that take a value (attached or in the next word). */
const SHORT_WITH_VALUE = new Set(['m', 'F', 'C', 'c', 't']);
/** Long options that take a value in the next word when it is not attached with `=`. */
const LONG_WITH_VALUE = new Set(['message', 'file', 'reuse-message', 'reedit-message', 'template', 'author', 'date', 'cleanup', 'fixup', 'squash', 'trailer', 'pathspec-from-file']);

/** Every `git commit` the line would run, in order. */
export function commitCalls(line: string): CommitCall[] {
  if (!mentionsGitCommit(line)) return [];
  const out: CommitCall[] = [];
  let exportedSkip = false;
  for (const words of commands(line)) {
    let i = 0;
    let skip = exportedSkip;
    // Leading assignments, and wrappers that run the command they are given.
    for (;;) {
      const t = words[i]?.text;
      if (t === undefined) break;
      if (ASSIGNMENT.test(t)) {
        if (t === 'SORTIE_SKIP=1') skip = true;
        i++;
      } else if (t === 'env' || t === 'command' || t === 'exec' || t === 'time' || t === 'nohup') i++;
      else break;
    }
    const head = words[i]?.text;
    if (head === 'export') {
      if (words.slice(i + 1).some((x) => x.text === 'SORTIE_SKIP=1')) exportedSkip = true;
      continue;
    }
    if (head === undefined || head.split('/').pop() !== 'git') continue;
    i++;
    let dir: string | undefined;
    // git's own options, before the subcommand.
    while (i < words.length && words[i]!.text.startsWith('-')) {
      const o = words[i]!.text;
      if (o === '-C') dir = words[++i]?.text;
      else if (o === '-c' || o === '--git-dir' || o === '--work-tree' || o === '--namespace' || o === '--exec-path') i++;
      i++;
    }
    if (words[i]?.text !== 'commit') continue;
    const call: CommitCall = { messages: [], file: undefined, all: false, amend: false, reuse: undefined, noVerify: false, skip, dir, dynamic: false };
    const takeMessage = (v: Word | undefined) => {
      if (!v) return;
      call.messages.push(v.text);
      if (v.dynamic) call.dynamic = true;
    };
    for (i++; i < words.length; i++) {
      const a = words[i]!;
      const t = a.text;
      if (t === '--') break;
      if (t.startsWith('--')) {
        const eq = t.indexOf('=');
        const name = eq < 0 ? t.slice(2) : t.slice(2, eq);
        const value: Word | undefined = eq < 0 ? (LONG_WITH_VALUE.has(name) ? words[++i] : undefined) : { text: t.slice(eq + 1), dynamic: a.dynamic };
        if (name === 'message') takeMessage(value);
        else if (name === 'file') call.file = value?.text;
        else if (name === 'all') call.all = true;
        else if (name === 'amend') call.amend = true;
        else if (name === 'no-verify') call.noVerify = true;
        else if (name === 'verify') call.noVerify = false;
        else if (name === 'reuse-message' || name === 'reedit-message' || name === 'fixup' || name === 'squash') call.reuse = value?.text;
      } else if (t.startsWith('-') && t.length > 1) {
        for (let k = 1; k < t.length; k++) {
          const f = t[k]!;
          if (SHORT_WITH_VALUE.has(f)) {
            const attached = t.slice(k + 1);
            const value: Word | undefined = attached ? { text: attached, dynamic: a.dynamic } : words[++i];
            if (f === 'm') takeMessage(value);
            else if (f === 'F') call.file = value?.text;
            else if (f === 'C' || f === 'c') call.reuse = value?.text;
            break;
          }
          if (f === 'a') call.all = true;
          else if (f === 'n') call.noVerify = true;
          else if (f === 'S' || f === 'u') break; // optional value, attached only
        }
      }
    }
    out.push(call);
  }
  return out;
}
