/** The command line's lightest part: commands, usage errors, argument parsing. */
import { parseArgs, type ParseArgsConfig } from 'node:util';

/** A mistake in how the command was called: exit status 2 and the command's usage. */
export class UsageError extends Error {}

export interface Command {
  name: string;
  summary: string;
  usage: string;
  /** Returns the exit status (`run` settles it when the program ends). */
  run(argv: string[], out: Output): number | Promise<number>;
}

export interface Output {
  stdout(text: string | Uint8Array): void;
  stderr(text: string): void;
}

/** `--oci-widths`, for the commands that read OCI profiles (the values: src/oci/import.ts OCI_ARG_WIDTHS). */
export const OCI_WIDTHS_OPTION = { 'oci-widths': { type: 'string' } } as const;
export const OCI_WIDTHS_USAGE = '[--oci-widths per-argument|runc]';

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

export function parse<T extends OptionsConfig>(argv: string[], options: T): ReturnType<typeof parseArgs<{ options: T; allowPositionals: true; strict: true }>> {
  try {
    return parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

