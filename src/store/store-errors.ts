/** A read-only open of a store that is not there: nothing to read or verify (the CLI exits 2). */
export class NoDatabaseError extends Error {
  constructor(readonly file: string) {
    super(`no ledger at ${file} (no database file there: check IAM_REVIEW_DATA_DIR)`);
    this.name = 'NoDatabaseError';
  }
}
