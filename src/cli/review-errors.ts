import { ReviewError } from '../reviews/review-error.js';
import { CliError, EXIT } from './cli-error.js';

/**
 * Maps a refused review operation to the CLI's exit codes by its kind: 2 for bad input and an
 * unknown item or campaign (`invalid`, `not-found`), 1 for the rest (`conflict`, `forbidden`).
 */
export function asCliError(err: unknown): never {
  if (err instanceof ReviewError) throw new CliError(err.message, err.code === 'invalid' || err.code === 'not-found' ? EXIT.invalidInput : EXIT.failure);
  throw err;
}
