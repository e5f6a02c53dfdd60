/**
 * Which part of an evidence pack evidences which requirement: printed in report.html so an
 * auditor can go from an article to the file that answers it.
 */
export interface MappingRow {
  framework: string;
  reference: string;
  requirement: string;
  evidence: string;
}

export const COMPLIANCE_MAPPING: readonly MappingRow[] = [
  {
    framework: 'DORA RTS 2024/1774',
    reference: 'Art. 21 (access control: periodic review)',
    requirement: 'Access rights reviewed at least every 12 months, and at least every 6 months for systems supporting critical or important functions; least privilege; need-to-use for privileged access.',
    evidence: 'Campaign summary and completion charts (this report); decisions.csv / decisions.json: one row per reviewed access right with reviewer, decision, justification and time; criticality column.',
  },
  {
    framework: 'DORA RTS 2024/1774',
    reference: 'Art. 21 (separation of duties, withdrawal of access)',
    requirement: 'Conflicting duties separated; access withdrawn without undue delay when no longer needed.',
    evidence: 'findings.csv (sod-conflict, leaver-access, contract-ended, dormant findings at review time); revocation rate and revocations by system; decisions.csv remediation_state for revokes.',
  },
  {
    framework: 'DORA RTS 2024/1774',
    reference: 'Art. 20 (identity management)',
    requirement: 'One identity per person including third-party staff; identity lifecycle recorded and kept.',
    evidence: 'decisions.csv identity columns linking every account to its identity (or marking it unowned); orphaned-account findings in findings.csv.',
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
    framework: 'ISO/IEC 27001:2022',
    reference: 'A.8.2 (privileged access rights)',
    requirement: 'Privileged access restricted, listed, reviewed and time-limited.',
    evidence: 'decisions.csv rows of privileged roles on critical systems (criticality, role); not-allowed, unknown-role and max-holders-exceeded findings in findings.csv.',
  },
  {
    framework: 'MiCAR',
    reference: 'Art. 68(9) (record keeping)',
    requirement: 'Records kept for at least five years.',
    evidence: 'The ledger is append-only and never pruned; this pack and its manifest can be archived and re-verified against the ledger at any time.',
  },
];
