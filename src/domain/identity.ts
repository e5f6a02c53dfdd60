/**
 * A person (or a service owner) as the identity source knows them.
 * DORA RTS Art. 20: one identity per person, including third-party staff.
 */
export const IDENTITY_STATUSES = ['active', 'disabled', 'terminated'] as const;
export type IdentityStatus = (typeof IDENTITY_STATUSES)[number];

export const EMPLOYMENT_TYPES = ['employee', 'contractor', 'third-party'] as const;
export type EmploymentType = (typeof EMPLOYMENT_TYPES)[number];

export interface Identity {
  /** Stable id in the identity source (directory object id, HR id). */
  id: string;
  /** Lower-cased email, or null when the source has none. */
  email: string | null;
  displayName: string;
  department: string | null;
  jobTitle: string | null;
  /** Id of the manager's identity (resolved from email or id by the connector/sync). */
  managerId: string | null;
  groups: string[];
  /** Other names the identity is known by in other systems (UPN, HR number, Vault alias). */
  aliases: string[];
  status: IdentityStatus;
  employmentType: EmploymentType;
  /** ISO date (YYYY-MM-DD) the contract ends, for contractors and third parties. */
  contractEnd: string | null;
  /** ISO timestamp of the last sign-in where the source knows it. */
  lastSignInAt: string | null;
  /** The directory system this identity came from. */
  sourceSystemId: string;
}

/** Normalises an email for matching: trimmed, lower-cased; empty becomes null. */
export function normalizeEmail(email: string | null | undefined): string | null {
  const e = (email ?? '').trim().toLowerCase();
  return e === '' ? null : e;
}

/** The label auditors and the check JSON use for an identity: email, else id. */
export function identityLabel(identity: Pick<Identity, 'id' | 'email'> | null | undefined): string | null {
  if (!identity) return null;
  return identity.email ?? identity.id;
}

/**
 * Index for correlating accounts to identities: by id, by email and by any alias
 * (e.g. a UPN or an HR number). Keys are compared case-insensitively.
 */
export class IdentityIndex {
  private readonly byKey = new Map<string, Identity>();
  readonly all: readonly Identity[];

  constructor(identities: readonly Identity[]) {
    this.all = identities;
    for (const identity of identities) {
      this.byKey.set(identity.id.toLowerCase(), identity);
    }
    // Emails, then aliases, are added after ids so that an id is never shadowed.
    for (const identity of identities) {
      if (identity.email && !this.byKey.has(identity.email)) this.byKey.set(identity.email, identity);
    }
    for (const identity of identities) {
      for (const alias of identity.aliases) {
        const key = alias.trim().toLowerCase();
        if (key && !this.byKey.has(key)) this.byKey.set(key, identity);
      }
    }
  }

  /** Finds an identity by id, email or alias; null when no identity matches. */
  resolve(key: string | null | undefined): Identity | null {
    if (!key) return null;
    return this.byKey.get(key.trim().toLowerCase()) ?? null;
  }

  get(id: string): Identity | null {
    return this.byKey.get(id.toLowerCase()) ?? null;
  }
}
