import type { Identity } from '../../domain/index.js';
import type { IdentityStore } from '../ports.js';
import { currentIdentitiesFilter, FIRST_SYSTEM_FIRST } from './identity-queries.js';
import { toIdentity } from './identity-schema.js';
import type { MongoModels } from './mongo-models.js';

/**
 * Identities as currently known: those of the current snapshot of every system that has
 * identities (directory systems). Superseded snapshots' identities stay as evidence but are
 * not current.
 */
export class MongoIdentityStore implements IdentityStore {
  constructor(private readonly models: MongoModels) {}

  /** The ids of the current snapshots (one per system; a handful of documents). */
  private async currentSnapshotIds(): Promise<string[]> {
    const states = await this.models.systemState.find({}, { snapshotId: 1 }).lean();
    return states.map((s) => s.snapshotId);
  }

  async current(): Promise<Identity[]> {
    const docs = await this.models.identities
      .find(currentIdentitiesFilter(await this.currentSnapshotIds()))
      .sort({ identityId: 1, systemId: 1 })
      .lean();
    return docs.map(toIdentity);
  }

  async get(id: string): Promise<Identity | null> {
    const filter = currentIdentitiesFilter(await this.currentSnapshotIds(), { id });
    const doc = await this.models.identities.findOne(filter).sort(FIRST_SYSTEM_FIRST).lean();
    return doc ? toIdentity(doc) : null;
  }

  async findByEmail(email: string): Promise<Identity | null> {
    const filter = currentIdentitiesFilter(await this.currentSnapshotIds(), { email });
    const doc = await this.models.identities.findOne(filter).sort(FIRST_SYSTEM_FIRST).lean();
    return doc ? toIdentity(doc) : null;
  }
}
