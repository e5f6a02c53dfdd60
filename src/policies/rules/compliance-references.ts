/**
 * Requirements that findings evidence. A rule lists the ones its findings answer; the evidence
 * pack's compliance mapping (audit/compliance-mapping.ts) has one row per reference and names
 * there the finding types whose rules list it.
 */
export interface ComplianceReference {
  framework: string;
  reference: string;
}

export const DORA_ACCESS_WITHDRAWAL: ComplianceReference = { framework: 'DORA RTS 2024/1774', reference: 'Art. 21 (separation of duties, withdrawal of access)' };
export const DORA_IDENTITY_MANAGEMENT: ComplianceReference = { framework: 'DORA RTS 2024/1774', reference: 'Art. 20 (identity management)' };
export const ISO_PRIVILEGED_ACCESS: ComplianceReference = { framework: 'ISO/IEC 27001:2022', reference: 'A.8.2 (privileged access rights)' };
export const DORA_ACCESS_REVIEW: ComplianceReference = { framework: 'DORA RTS 2024/1774', reference: 'Art. 21 (access control: periodic review)' };
export const ISO_ACCESS_RIGHTS: ComplianceReference = { framework: 'ISO/IEC 27001:2022', reference: 'A.5.18 (access rights)' };
