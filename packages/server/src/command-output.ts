/** Where a CLI subcommand writes; tests substitute their own. */
export interface CommandOutput {
  /** Receives the result (a key, a CID, a listing): what scripts read. */
  stdout: (text: string) => void;
  /** Receives messages for people. */
  stderr: (text: string) => void;
}

/** The process's own standard output and error. */
export const processCommandOutput: CommandOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

/**
 * Parses a subcommand's arguments; on a usage error, writes `relay-server COMMAND: message`
 * and the usage text to `output.stderr`.
 * @returns the parsed arguments, or `undefined` after a usage error (exit code 64).
 */
export function parseCommandArguments<T>(
  parse: (args: readonly string[]) => T,
  args: readonly string[],
  command: string,
  usage: string,
  output: CommandOutput,
): T | undefined {
  try {
    return parse(args);
  } catch (error) {
    output.stderr(`relay-server ${command}: ${(error as Error).message}\n${usage}\n`);
    return undefined;
  }
}
