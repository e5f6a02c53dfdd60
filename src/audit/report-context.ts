/**
 * What report.html says of each campaign beyond its items, read from the ledger and the store:
 * the review definition's scope and reviewer order as the campaign opened with them (the
 * `campaign.opened` event; the current config for campaigns opened before it recorded them),
 * the configuration fingerprint in force at the opening (`campaign.opened`'s `configHash`,
 * with the `config.loaded` event that lists its files) and the campaign's sign-off.
 */
import type { Campaign, LedgerEvent } from '../domain/index.js';
import type { Store } from '../store/ports.js';
import type { SignOff } from './campaign-sign-off.js';
import { readSignOff } from './campaign-sign-off.js';
import { EVENT } from './event-types.js';

/** A review definition's scope (reviews/<id>.yaml `scope`). */
export interface ScopeDefinition {
  systems?: string[];
  criticality?: string[];
  kinds?: string[];
  privilegedOnly?: boolean;
  includeFindings?: boolean;
}

/** The parts of a review definition the report states, from the current config. */
export interface DefinitionInfo {
  id: string;
  scope: ScopeDefinition;
  reviewers: readonly string[];
  dueInDays: number;
  file: string;
}

export interface ConfigFingerprint {
  hash: string;
  /** `opening`: recorded by campaign.opened; `last-loaded`: the last config.loaded before it (campaigns opened before fingerprints were recorded). */
  source: 'opening' | 'last-loaded';
  /** The config.loaded event with this hash, and its files (path and SHA-256), when the ledger has it. */
  loadedSeq: number | null;
  files: { file: string; sha256: string }[];
}

export interface ReportStage {
  number: number;
  name: string;
  reviewers: readonly string[];
  dueInDays: number;
  when: readonly string[];
}

export interface CampaignContext {
  campaignId: string;
  openedSeq: number | null;
  /** Where scope, reviewers and due days come from: the opening event, or the current definition. */
  definitionSource: 'opening' | 'current-config' | null;
  scope: ScopeDefinition | null;
  reviewers: readonly string[] | null;
  dueInDays: number | null;
  /** Multi-stage reviews: the stages and outcome rule as campaign.opened recorded them (null: one stage). */
  stages: ReportStage[] | null;
  outcome: string | null;
  definitionFile: string | null;
  /** The systems whose state the campaign froze; null when the opening event does not say. */
  systems: string[] | null;
  systemsWithoutState: string[];
  config: ConfigFingerprint | null;
  signOff: (SignOff & { seq: number | null; hash: string | null }) | null;
}

export async function readCampaignContext(store: Pick<Store, 'ledger' | 'kv'>, campaign: Campaign, definitions: readonly DefinitionInfo[]): Promise<CampaignContext> {
  const [opened] = await store.ledger.query({ type: EVENT.campaignOpened, subject: campaign.id, since: campaign.openedAt, limit: 1 });
  const data = (opened?.data ?? {}) as Record<string, unknown>;
  const fromOpening = isObject(data.scope);
  const current = definitions.find((d) => d.id === campaign.reviewId) ?? null;
  const signOff = await readSignOff(store, campaign.id);
  const [signed] = signOff ? await store.ledger.query({ type: EVENT.campaignSignedOff, subject: campaign.id, since: campaign.closedAt ?? campaign.openedAt, limit: 1 }) : [];
  return {
    campaignId: campaign.id,
    openedSeq: opened?.seq ?? null,
    definitionSource: fromOpening ? 'opening' : current ? 'current-config' : null,
    scope: fromOpening ? (data.scope as ScopeDefinition) : (current?.scope ?? null),
    reviewers: fromOpening && Array.isArray(data.reviewers) ? (data.reviewers as string[]) : (current?.reviewers ?? null),
    dueInDays: fromOpening && typeof data.dueInDays === 'number' ? data.dueInDays : (current?.dueInDays ?? null),
    stages: fromOpening && Array.isArray(data.stages) ? (data.stages as ReportStage[]) : null,
    outcome: fromOpening && typeof data.outcome === 'string' ? data.outcome : null,
    definitionFile: typeof data.definitionFile === 'string' ? data.definitionFile : (current?.file ?? null),
    systems: isObject(data.snapshots) ? Object.keys(data.snapshots).sort() : null,
    systemsWithoutState: Array.isArray(data.systemsWithoutState) ? (data.systemsWithoutState as string[]) : [],
    config: opened ? await fingerprint(store, opened) : null,
    signOff: signOff ? { ...signOff, seq: signed?.seq ?? null, hash: signed?.hash ?? null } : null,
  };
}

/** The configuration in force at the opening: its hash and the config.loaded event that listed its files. */
async function fingerprint(store: Pick<Store, 'ledger'>, opened: LedgerEvent): Promise<ConfigFingerprint | null> {
  // Recorded in the same second or before: `until` is exclusive, so one millisecond past the opening.
  const until = new Date(Date.parse(opened.at) + 1).toISOString();
  const loaded = (await store.ledger.query({ type: EVENT.configLoaded, until })).filter((e) => e.seq < opened.seq && typeof e.data.hash === 'string');
  const recorded = typeof opened.data.configHash === 'string' ? opened.data.configHash : null;
  const match = recorded ? loaded.filter((e) => e.data.hash === recorded).at(-1) : loaded.at(-1);
  const hash = recorded ?? (match ? (match.data.hash as string) : null);
  if (!hash) return null;
  const files = Array.isArray(match?.data.files) ? (match.data.files as { file: string; sha256: string }[]) : [];
  return { hash, source: recorded ? 'opening' : 'last-loaded', loadedSeq: match?.seq ?? null, files };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}
