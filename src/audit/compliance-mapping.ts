/**
 * Which part of an evidence pack evidences which requirement: printed in report.html so an
 * auditor can go from an article to the file that answers it. A pack's mapping cites only what
 * that pack holds (complianceMapping). Rows that findings evidence name the finding types whose
 * rules (policies/rules/) cite the row's reference, in registry order.
 */
import type { FindingType } from '../domain/index.js';
import type { ComplianceReference } from '../policies/rules/compliance-references.js';
import { DORA_ACCESS_REVIEW, DORA_ACCESS_WITHDRAWAL, DORA_IDENTITY_MANAGEMENT, ISO_ACCESS_RIGHTS, ISO_PRIVILEGED_ACCESS } from '../policies/rules/compliance-references.js';
import { FINDING_RULES } from '../policies/rules/index.js';

export interface MappingRow {
  framework: string;
  reference: string;
  requirement: string;
  evidence: string;
}

/** What a pack holds: its files (report.html, manifest.json and the exported ones) and whether it has remediation data. */
export interface PackContents {
  files: ReadonlySet<string>;
  /** At least one remediation of a revoke is in the pack (remediations.csv rows, remediation columns). */
  remediations: boolean;
}

/**
 * One piece of evidence: cited only when the pack holds one of `files` (and remediation data
 * when `remediations`). `text` gets the files present (e.g. `decisions.csv / decisions.json`)
 * and the finding types whose rules cite the row's reference.
 */
interface EvidencePart {
  files?: readonly string[];
  remediations?: boolean;
  text: string | ((files: string, findingTypes: readonly FindingType[]) => string);
}

interface MappingSource extends ComplianceReference {
  requirement: string;
  evidence: readonly EvidencePart[];
}

/** The finding types whose rules cite a reference, in registry order. */
export function findingTypesCiting(ref: ComplianceReference): FindingType[] {
  return FINDING_RULES.filter((rule) => rule.compliance.some((c) => c.framework === ref.framework && c.reference === ref.reference)).map((rule) => rule.type);
}

/** `a`, `a and b`, `a, b and c`. */
function andList(items: readonly string[]): string {
  return items.length <= 1 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

const DECISIONS = ['decisions.csv', 'decisions.json'];

/** DORA RTS 2024/1774 Art. 21(e): cited only by a pack that holds remediation data. */
export const DORA_TIMELY_WITHDRAWAL: ComplianceReference = { framework: 'DORA RTS 2024/1774', reference: 'Art. 21(e) (access withdrawn without undue delay)' };

const SOURCES: readonly MappingSource[] = [
  {
    ...DORA_ACCESS_REVIEW,
    requirement: 'Access rights reviewed at least every 12 months, and at least every 6 months for systems supporting critical or important functions; least privilege; need-to-use for privileged access.',
    evidence: [
      { files: ['report.html'], text: 'Campaign summary and completion charts (this report)' },
      { files: DECISIONS, text: (f) => `${f}: one row per reviewed access right with reviewer, decision, justification and time; criticality column` },
      { text: (_, types) => `${andList(types)} findings (\`iam-review check\`) and \`iam-review coverage\`: systems past their review cadence, by criticality` },
    ],
  },
  {
    ...DORA_ACCESS_WITHDRAWAL,
    requirement: 'Conflicting duties separated; access withdrawn without undue delay when no longer needed.',
    evidence: [
      { files: ['findings.csv'], text: (_, types) => `findings.csv (${types.join(', ')} findings at review time)` },
      { files: ['report.html'], text: 'revocation rate and revocations by system' },
      { files: DECISIONS, remediations: true, text: (f) => `${f}: the remediation state of every revoke` },
    ],
  },
  {
    ...DORA_TIMELY_WITHDRAWAL,
    requirement: 'Access rights withdrawn without undue delay once a review revoked them; the removal verified.',
    evidence: [
      { files: ['remediations.csv'], remediations: true, text: 'remediations.csv: one row per revoked access right with its due time, request, claim and the complete snapshot (id and SHA-256) that showed it gone, tied to its ledger event (seq and hash)' },
      { files: DECISIONS, remediations: true, text: (f) => `${f}: remediation state, verified removal time and snapshot, hours to removal of every revoke` },
      { files: ['report.html'], remediations: true, text: 'Remediation section: time to verified removal per criticality against the due time; removals past due with their owners' },
    ],
  },
  {
    ...DORA_IDENTITY_MANAGEMENT,
    requirement: 'One identity per person including third-party staff; identity lifecycle recorded and kept.',
    evidence: [
      { files: DECISIONS, text: (f) => `${f} identity columns linking every account to its identity (or marking it unowned)` },
      { files: ['findings.csv'], text: (_, types) => `${andList(types)} findings in findings.csv` },
    ],
  },
  {
    framework: 'DORA RTS 2024/1774',
    reference: 'Art. 12 (logging)',
    requirement: 'Access-control events logged; logs protected against tampering and deletion.',
    evidence: [
      { files: ['events.csv'], text: 'events.csv: the hash-chained ledger slice (seq, prev_hash, hash)' },
      { text: 'the chain head below; manifest.json ties every file to the ledger; `iam-review audit verify` and `audit verify-export` recompute both' },
    ],
  },
  {
    ...ISO_ACCESS_RIGHTS,
    requirement: 'Access rights provided, reviewed, modified and removed according to policy; reviewed at regular intervals.',
    evidence: [
      { files: DECISIONS, text: (f) => f },
      { files: ['report.html'], text: 'completion by reviewer; overdue and expired items (reported as not reviewed)' },
      { text: (_, types) => `${andList(types)} findings (\`iam-review check\`) and \`iam-review coverage\`: each system's last complete review and next due date` },
      { files: ['remediations.csv'], remediations: true, text: 'remediations.csv: revoked rights removed, each removal verified by a later snapshot' },
    ],
  },
  {
    ...ISO_PRIVILEGED_ACCESS,
    requirement: 'Privileged access restricted, listed, reviewed and time-limited.',
    evidence: [
      { files: DECISIONS, text: (f) => `${f} rows of privileged roles on critical systems (criticality, role)` },
      { files: ['findings.csv'], text: (_, types) => `${andList(types)} findings in findings.csv` },
    ],
  },
  {
    framework: 'MiCAR',
    reference: 'Art. 68(9) (record keeping)',
    requirement: 'Records kept for at least five years.',
    evidence: [{ text: 'The ledger is append-only and never pruned; this pack and its manifest can be archived and re-verified against the ledger at any time.' }],
  },
];

/** Every file a pack can hold, with remediation data: the mapping at its fullest. */
const FULL_PACK: PackContents = {
  files: new Set(['decisions.csv', 'decisions.json', 'findings.csv', 'remediations.csv', 'events.csv', 'report.html', 'manifest.json']),
  remediations: true,
};

/**
 * The mapping of a pack: each row cites only the evidence the pack holds; a row none of whose
 * evidence is in the pack is left out (Art. 21(e) without remediation data, for one).
 */
export function complianceMapping(contents: PackContents): MappingRow[] {
  const rows: MappingRow[] = [];
  for (const { framework, reference, requirement, evidence } of SOURCES) {
    const types = findingTypesCiting({ framework, reference });
    const cited = evidence.flatMap((part) => {
      const present = part.files?.filter((f) => contents.files.has(f)) ?? [];
      if (part.files && present.length === 0) return [];
      if (part.remediations && !contents.remediations) return [];
      return [typeof part.text === 'string' ? part.text : part.text(present.join(' / '), types)];
    });
    if (cited.length > 0) rows.push({ framework, reference, requirement, evidence: `${cited.join('; ')}.` });
  }
  return rows;
}

/** The mapping of a full pack (every file, with remediation data). */
export const COMPLIANCE_MAPPING: readonly MappingRow[] = complianceMapping(FULL_PACK);
