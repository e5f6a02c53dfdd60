/**
 * The shape of a generated firm: departments, systems, their roles and who may hold them.
 * Pure data; generate-firm.ts turns it into connectors/, policies/, reviews/ and CSV exports.
 */

export const DEPARTMENTS = ['Management', 'Trading', 'Risk', 'Compliance', 'Finance', 'Engineering', 'Operations', 'Custody', 'Security', 'Support'] as const;
export type Department = (typeof DEPARTMENTS)[number];

export interface RoleModel {
  name: string;
  /** Departments whose people may hold it (allowedFor). */
  departments: readonly Department[];
  privileged?: boolean;
  maxHolders?: number;
  /** Also allowed through this group (employees only). */
  group?: string;
}

export interface SystemModel {
  id: string;
  name: string;
  kind: 'wallet' | 'trading' | 'kms' | 'other';
  criticality: 'critical' | 'important' | 'standard';
  /** Account id prefix in the export. */
  prefix: string;
  /** What a scope is called in this system (vault, book, namespace...). */
  scopeWord: string;
  roles: readonly RoleModel[];
}

const ALL: readonly Department[] = DEPARTMENTS;

/** The five systems of the firm; more are generic back-office applications. */
const BASE_SYSTEMS: readonly SystemModel[] = [
  {
    id: 'custody-wallet', name: 'Custody wallet (MPC workspace)', kind: 'wallet', criticality: 'critical', prefix: 'fbu', scopeWord: 'vault',
    roles: [
      { name: 'VIEWER', departments: ['Custody', 'Operations', 'Finance', 'Compliance', 'Risk', 'Management'] },
      { name: 'EDITOR', departments: ['Custody', 'Operations'], privileged: true },
      { name: 'APPROVER', departments: ['Management'], privileged: true },
      { name: 'SIGNER', departments: ['Custody'], privileged: true },
      { name: 'ADMIN', departments: ['Security'], privileged: true, group: 'wallet-admins' },
      { name: 'AUDITOR', departments: ['Compliance'] },
    ],
  },
  {
    id: 'trading', name: 'Trading platform', kind: 'trading', criticality: 'critical', prefix: 'trd', scopeWord: 'book',
    roles: [
      { name: 'VIEWER', departments: ['Trading', 'Risk', 'Compliance', 'Finance', 'Management'] },
      { name: 'TRADER', departments: ['Trading'] },
      { name: 'RISK_LIMIT_EDITOR', departments: ['Risk'], privileged: true, group: 'risk-managers' },
      { name: 'ADMIN', departments: ['Engineering'], privileged: true, group: 'trading-platform-admins' },
      { name: 'REPORTER', departments: ['Finance', 'Operations'] },
    ],
  },
  {
    id: 'kms', name: 'Key management (Vault)', kind: 'kms', criticality: 'critical', prefix: 'kms', scopeWord: 'ns',
    roles: [
      { name: 'kms-reader', departments: ['Engineering', 'Security', 'Custody'] },
      { name: 'kms-operator', departments: ['Engineering'], privileged: true },
      { name: 'policy-admin', departments: ['Security'], privileged: true },
      { name: 'key-share-custodian', departments: ['Management', 'Security'], privileged: true },
      { name: 'kms-auditor', departments: ['Compliance', 'Security'] },
    ],
  },
  {
    id: 'back-office', name: 'Back office (ledger and payments)', kind: 'other', criticality: 'important', prefix: 'bo', scopeWord: 'entity',
    roles: [
      { name: 'VIEWER', departments: ALL },
      { name: 'ACCOUNTANT', departments: ['Finance'] },
      { name: 'PAYMENTS', departments: ['Finance', 'Operations'], privileged: true },
      { name: 'ADMIN', departments: ['Engineering'], privileged: true },
    ],
  },
  {
    id: 'crm', name: 'Client onboarding (CRM)', kind: 'other', criticality: 'standard', prefix: 'crm', scopeWord: 'region',
    roles: [
      { name: 'VIEWER', departments: ALL },
      { name: 'AGENT', departments: ['Support', 'Operations', 'Compliance'] },
      { name: 'KYC_APPROVER', departments: ['Compliance'], privileged: true },
      { name: 'ADMIN', departments: ['Engineering', 'Support'], privileged: true },
    ],
  },
];

/**
 * Separation-of-duties pairs (system:role). Only PAYMENTS/ACCOUNTANT share a department (Finance);
 * the others conflict only through out-of-policy grants, as in a real estate.
 */
export const SOD_PAIRS: readonly { id: string; roles: [string, string]; severity: 'high' | 'medium' }[] = [
  { id: 'SOD-WALLET-SIGN-APPROVE', roles: ['custody-wallet:SIGNER', 'custody-wallet:APPROVER'], severity: 'high' },
  { id: 'SOD-WALLET-EDIT-APPROVE', roles: ['custody-wallet:EDITOR', 'custody-wallet:APPROVER'], severity: 'high' },
  { id: 'SOD-KEYSHARE-SIGNER', roles: ['kms:key-share-custodian', 'custody-wallet:SIGNER'], severity: 'high' },
  { id: 'SOD-KMS-OPERATOR-POLICY', roles: ['kms:kms-operator', 'kms:policy-admin'], severity: 'medium' },
  { id: 'SOD-PAYMENTS-ACCOUNTANT', roles: ['back-office:PAYMENTS', 'back-office:ACCOUNTANT'], severity: 'medium' },
];

/** `count` systems: the five base ones, then generic applications (standard criticality). */
export function systemsOf(count: number): SystemModel[] {
  const out = BASE_SYSTEMS.slice(0, count);
  for (let k = out.length; k < count; k++) {
    out.push({
      id: `app-${k + 1}`, name: `Application ${k + 1}`, kind: 'other', criticality: 'standard', prefix: `a${k + 1}`, scopeWord: 'space',
      roles: [
        { name: 'USER', departments: ALL },
        { name: 'POWER_USER', departments: ['Operations', 'Finance', 'Engineering'] },
        { name: 'ADMIN', departments: ['Engineering'], privileged: true },
      ],
    });
  }
  return out;
}
