/**
 * Which part of an evidence pack evidences which requirement: printed in report.html so an
 * auditor can go from an article to the file that answers it. Rows that findings evidence
 * name the finding types whose rules (policies/rules/) cite the row's reference, in registry order.
 */
import type { FindingType } from '../domain/index.js';
import type { ComplianceReference } from '../policies/rules/compliance-references.js';
import { DORA_ACCESS_WITHDRAWAL, DORA_IDENTITY_MANAGEMENT, ISO_PRIVILEGED_ACCESS } from '../policies/rules/compliance-references.js';
import { FINDING_RULES } from '../policies/rules/index.js';

export interface MappingRow {
  framework: string;
  reference: string;
  requirement: string;
  evidence: string;
}

interface MappingSource extends ComplianceReference {
  requirement: string;
  /** The evidence, or how to word it from the finding types citing the reference. */
  evidence: string | ((findingTypes: readonly FindingType[]) => string);
}

/** The finding types whose rules cite a reference, in registry order. */
export function findingTypesCiting(ref: ComplianceReference): FindingType[] {
  return FINDING_RULES.filter((rule) => rule.compliance.some((c) => c.framework === ref.framework && c.reference === ref.reference)).map((rule) => rule.type);
}

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const SOURCES: readonly MappingSource[] = [
  {
    framework: 'DORA RTS 2024/1774',
    reference: 'Art. 21 (access control: periodic review)',
    requirement: 'Access rights reviewed at least every 12 months, and at least every 6 months for systems supporting critical or important functions; least privilege; need-to-use for privileged access.',
    evidence: 'Campaign summary and completion charts (this report); decisions.csv / decisions.json: one row per reviewed access right with reviewer, decision, justification and time; criticality column.',
  },
  {
    ...DORA_ACCESS_WITHDRAWAL,
    requirement: 'Conflicting duties separated; access withdrawn without undue delay when no longer needed.',
    evidence: (types) => `findings.csv (${types.join(', ')} findings at review time); revocation rate and revocations by system; decisions.csv remediation_state for revokes.`,
  },
  {
    ...DORA_IDENTITY_MANAGEMENT,
    requirement: 'One identity per person including third-party staff; identity lifecycle recorded and kept.',
    evidence: (types) => `decisions.csv identity columns linking every account to its identity (or marking it unowned); ${andList(types)} findings in findings.csv.`,
  },
  {
    framework: 'DORA RTS 2024/1774',
    reference: 'Art. 12 (logging)',
    requirement: 'Access-control events logged; logs protected against tampering and deletion.',
    evidence: 'events.csv: the hash-chained ledger slice (seq, prev_hash, hash); the chain head below; manifest.json ties every file to the ledger; `iam-review audit verify` and `audit verify-export` recompute both.',
  },
  {
    framework: 'ISO/IEC 27001:2022',
    reference: 'A.5.18 (access rights)',
    requirement: 'Access rights provided, reviewed, modified and removed according to policy; reviewed at regular intervals.',
    evidence: 'decisions.csv / decisions.json; completion by reviewer; overdue and expired items (reported as not reviewed).',
  },
  {
    ...ISO_PRIVILEGED_ACCESS,
    requirement: 'Privileged access restricted, listed, reviewed and time-limited.',
    evidence: (types) => `decisions.csv rows of privileged roles on critical systems (criticality, role); ${andList(types)} findings in findings.csv.`,
  },
  {
    framework: 'MiCAR',
    reference: 'Art. 68(9) (record keeping)',
    requirement: 'Records kept for at least five years.',
    evidence: 'The ledger is append-only and never pruned; this pack and its manifest can be archived and re-verified against the ledger at any time.',
  },
];

export const COMPLIANCE_MAPPING: readonly MappingRow[] = SOURCES.map(({ framework, reference, requirement, evidence }) => ({
  framework,
  reference,
  requirement,
  evidence: typeof evidence === 'string' ? evidence : evidence(findingTypesCiting({ framework, reference })),
}));
