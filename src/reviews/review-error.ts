/**
 * A refused or impossible review operation. `code` tells adapters how to answer:
 * Slack shows an ephemeral message, the CLI exits 2 (invalid, not-found) or 1.
 */
export class ReviewError extends Error {
  constructor(
    message: string,
    readonly code: 'not-found' | 'invalid' | 'conflict' | 'forbidden' = 'invalid',
  ) {
    super(message);
    this.name = 'ReviewError';
  }
}
