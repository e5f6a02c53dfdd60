/** How adapters answer: the CLI exits 2 for `not-found`, else 1 (as for review errors). */
export type RemediationErrorKind = 'not-found' | 'forbidden' | 'conflict';

/** Why a remediation operation was refused; each refusal is ledgered with its code. */
export const REMEDIATION_REFUSALS = {
  remediation_not_found: 'not-found',
  /** Only the system's owner (connectors/<system>.yaml) or the security team (reviews/roles.yaml) may say a removal is done. */
  not_owner: 'forbidden',
  /** Verified, reappeared or already claimed: there is nothing to claim. */
  not_claimable: 'conflict',
} as const satisfies Record<string, RemediationErrorKind>;
export type RemediationRefusal = keyof typeof REMEDIATION_REFUSALS;

export class RemediationError extends Error {
  readonly kind: RemediationErrorKind;
  constructor(
    readonly refusal: RemediationRefusal,
    message: string,
  ) {
    super(message);
    this.name = 'RemediationError';
    this.kind = REMEDIATION_REFUSALS[refusal];
  }
}
