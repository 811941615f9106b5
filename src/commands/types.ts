import type { Ctx } from '../ctx.js';

/** One option of a command, as node:util parseArgs takes it, plus what its help says. */
export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  description: string;
  /** The placeholder in help: `--since <when>`. */
  value?: string;
}

/** One positional argument. `rest` takes every remaining word: joined with spaces, or as a list. */
export interface ArgSpec {
  /** The key in the options object. */
  name: string;
  /** How help shows it: `<ID>` (required), `[mission]` (optional). */
  usage: string;
  rest?: 'join' | 'list';
}

/** A command as the CLI table declares it: data only, so `sortie --help` loads no command. */
export interface CommandSpec {
  /** Words after `sortie`, e.g. `task claim`. */
  name: string;
  args: readonly ArgSpec[];
  summary: string;
  options: Readonly<Record<string, OptionSpec>>;
  examples?: readonly string[];
  /** Left out of help, suggestions and completion (plumbing for scripts, e.g. `__complete`). */
  hidden?: boolean;
}

type Camel<S extends string> = S extends `${infer A}-${infer B}` ? `${A}${Capitalize<Camel<B>>}` : S;

type OptionValue<O extends OptionSpec> = O['type'] extends 'boolean' ? boolean : O['multiple'] extends true ? string[] : string | undefined;

type ArgValue<A extends ArgSpec> = A['rest'] extends 'list' ? string[] : A['rest'] extends 'join' ? string : A['usage'] extends `<${string}` ? string : string | undefined;

/**
 * The typed options object a command receives, derived from its spec: `--depends-on` becomes
 * `dependsOn: string[]`, `--json` `json: boolean`, `<ID>` `id: string`.
 */
export type Options<S extends CommandSpec> = { [K in keyof S['options'] & string as Camel<K>]: OptionValue<S['options'][K]> } & {
  [A in S['args'][number] as A['name']]: ArgValue<A>;
};

export type Run<S extends CommandSpec> = (o: Options<S>, ctx: Ctx) => Promise<number>;
