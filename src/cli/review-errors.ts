import { ReviewError } from '../reviews/review-error.js';
import { CliError, EXIT } from './cli-error.js';

/** Maps a refused review operation to the CLI's exit codes: 2 for bad input, 1 for a refusal. */
export function asCliError(err: unknown): never {
  if (err instanceof ReviewError) throw new CliError(err.message, err.code === 'invalid' || err.code === 'not-found' ? EXIT.invalidInput : EXIT.failure);
  throw err;
}
