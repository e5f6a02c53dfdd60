/**
 * Configuration problems, each located as precisely as the input allows. The CLI prints
 * every problem at once and exits 2.
 */
export interface ConfigProblem {
  /** Path of the file, relative to the config dir where possible; 'environment' for env vars. */
  file: string;
  line: number | null;
  column: number | null;
  /** Dotted key path inside the file (`roles.SIGNER.allowedFor`), '' for the whole file. */
  keyPath: string;
  message: string;
}

export function formatProblem(p: ConfigProblem): string {
  const where = p.line == null ? p.file : `${p.file}:${p.line}${p.column == null ? '' : `:${p.column}`}`;
  return p.keyPath ? `${where}: ${p.keyPath}: ${p.message}` : `${where}: ${p.message}`;
}

export class ConfigError extends Error {
  readonly problems: ConfigProblem[];

  constructor(problems: ConfigProblem[]) {
    super(problems.length === 1 ? formatProblem(problems[0]!) : `${problems.length} configuration problems:\n` + problems.map((p) => `  ${formatProblem(p)}`).join('\n'));
    this.name = 'ConfigError';
    this.problems = problems;
  }
}
