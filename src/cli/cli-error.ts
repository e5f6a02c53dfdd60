/** Exit codes of the CLI: a public contract (scripts and CI jobs rely on them). */
export const EXIT = {
  ok: 0,
  failure: 1,
  invalidInput: 2,
  findingsAtThreshold: 3,
  ledgerBroken: 4,
  /** `sync`: a system's pull was partial (read but not applied: its current state is unchanged). */
  syncPartial: 5,
  /** `sync`: a system's pull was quarantined (suspicious; applied only with --accept-quarantined). */
  syncQuarantined: 6,
} as const;

/** The exit codes in words, for `iam-review --help` (README's list says the same). */
export const EXIT_CODES_HELP = [
  'Exit codes:',
  '  0  success',
  '  1  failure',
  '  2  invalid input or configuration (the message names file, line and key)',
  '  3  findings at or above `check --fail-on`',
  '  4  the audit ledger is broken',
  '  5  `sync` read a system only partially (not applied)',
  '  6  `sync` quarantined a snapshot (not applied: inspect it with `snapshot diff ID`, accept it with `sync --accept-quarantined ID`)',
].join('\n');

/** An error that carries the exit code the CLI must end with. */
export class CliError extends Error {
  readonly exitCode: number;
  /** True when the command already reported it (serve: as a JSON log line): the CLI adds nothing. */
  readonly reported: boolean;
  constructor(message: string, exitCode: number = EXIT.failure, reported = false) {
    super(message);
    this.name = 'CliError';
    this.exitCode = exitCode;
    this.reported = reported;
  }
}

export function usageError(message: string): CliError {
  return new CliError(message, EXIT.invalidInput);
}
