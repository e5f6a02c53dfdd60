import { ConfigDirMismatchError } from '../app.js';
import { ConfigError } from '../config/config-error.js';
import { NoDatabaseError } from '../store/store-errors.js';
import { CliError, EXIT } from './cli-error.js';

/** The exit code an error ends the CLI with: 2 for bad input or configuration, a CliError's own, else 1. */
export function exitCodeOf(err: unknown): number {
  if (err instanceof ConfigError || err instanceof ConfigDirMismatchError || err instanceof NoDatabaseError) return EXIT.invalidInput;
  if (err instanceof CliError) return err.exitCode;
  return EXIT.failure;
}
