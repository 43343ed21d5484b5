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
