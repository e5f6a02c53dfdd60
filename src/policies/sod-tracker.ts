/**
 * Separation of duties across systems. Rules are compiled to numbered role references
 * (`system:ROLE`); while grants stream past, only those whose role appears in some rule
 * are remembered, per holder. A holder is an identity (so a conflict can span systems),
 * or, for an unowned account, that account (a conflict inside one system).
 *
 * Role names compare exactly, else case-insensitively (a `signer` in an export still
 * meets a rule written for `SIGNER`).
 */
import type { SodRule } from '../config/policy-config.js';
import { parseRoleRef } from '../config/policy-config.js';
import type { Grant } from '../domain/index.js';

export interface SodConflict {
  rule: SodRule;
  holderKey: string;
  /** Every grant of the holder that takes part, per role reference of the rule. */
  grants: Grant[];
}

const SEP = '\u0000';

export class SodTracker {
  private readonly refs = new Map<string, number>();
  private readonly refsLower = new Map<string, number>();
  /** ref -> indexes of the rules naming it. */
  private readonly rulesOfRef: number[][] = [];
  /** rule -> its distinct refs. */
  private readonly refsOfRule: number[][];
  /** holder -> ref -> grants. */
  private readonly holdings = new Map<string, Map<number, Grant[]>>();

  constructor(private readonly rules: readonly SodRule[]) {
    this.refsOfRule = rules.map((rule, r) => {
      const own = new Set<number>();
      for (const ref of rule.roles) {
        const { systemId, role } = parseRoleRef(ref);
        const key = systemId + SEP + role;
        let i = this.refs.get(key);
        if (i === undefined) {
          i = this.rulesOfRef.length;
          this.refs.set(key, i);
          if (!this.refsLower.has(key.toLowerCase())) this.refsLower.set(key.toLowerCase(), i);
          this.rulesOfRef.push([]);
        }
        if (!own.has(i)) this.rulesOfRef[i]!.push(r);
        own.add(i);
      }
      return [...own];
    });
  }

  get empty(): boolean {
    return this.rules.length === 0;
  }

  /** The reference number of a system's role, or -1 when no rule names it. */
  refOf(systemId: string, role: string): number {
    const key = systemId + SEP + role;
    return this.refs.get(key) ?? this.refsLower.get(key.toLowerCase()) ?? -1;
  }

  /** Remembers that a holder holds a referenced role through a grant. */
  hold(holderKey: string, ref: number, grant: Grant): void {
    let held = this.holdings.get(holderKey);
    if (!held) this.holdings.set(holderKey, (held = new Map()));
    const grants = held.get(ref);
    if (grants) grants.push(grant);
    else held.set(ref, [grant]);
  }

  /** Every (holder, rule) where the holder holds all the rule's roles. */
  *conflicts(): Generator<SodConflict> {
    const checkedFor = new Array<string | undefined>(this.rules.length);
    for (const [holderKey, held] of this.holdings) {
      if (held.size < 2) continue;
      for (const ref of held.keys()) {
        for (const r of this.rulesOfRef[ref]!) {
          if (checkedFor[r] === holderKey) continue;
          checkedFor[r] = holderKey;
          const refs = this.refsOfRule[r]!;
          // A rule naming one role twice is no separation of duties at all.
          if (refs.length < 2 || !refs.every((x) => held.has(x))) continue;
          yield { rule: this.rules[r]!, holderKey, grants: refs.flatMap((x) => held.get(x)!) };
        }
      }
    }
  }
}
