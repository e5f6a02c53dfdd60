/**
 * `csv-identities`: an HR export as the identity source. One row per person:
 *
 *   id, email, display_name, status (required columns); department, job_title, manager,
 *   employment_type, contract_end, groups (`;`-separated) (optional columns).
 *
 * Same error rules as `csv`, plus: an id seen before in the same file (compared
 * case-insensitively, as correlation does) is a problem and the later row is skipped.
 */
import type { ConnectorType, IdentityRecord } from '../connector.js';
import { CsvPager, csvFileSettingsSchema } from './csv-pager.js';
import type { CsvFileSettings } from './csv-pager.js';
import { IDENTITY_COLUMNS, REQUIRED_IDENTITY_COLUMNS, mapIdentityRow } from './csv-row-mappers.js';
import type { IdentityColumn } from './csv-row-mappers.js';

export const csvIdentitiesConnectorType: ConnectorType<CsvFileSettings> = {
  type: 'csv-identities',
  settingsSchema: csvFileSettingsSchema,
  secretSettings: [],
  create(settings, ctx) {
    const pager = new CsvPager<IdentityColumn, IdentityRecord>(
      settings,
      ctx.configDir,
      { known: IDENTITY_COLUMNS, required: REQUIRED_IDENTITY_COLUMNS },
      (layout) => {
        const firstLineById = new Map<string, number>();
        return (row) => {
          const identity = mapIdentityRow(row.fields, layout);
          if (typeof identity === 'string') return identity;
          const key = identity.id.toLowerCase();
          const first = firstLineById.get(key);
          if (first !== undefined) return `duplicate id "${identity.id}" (first at line ${first})`;
          firstLineById.set(key, row.line);
          return identity;
        };
      },
    );
    return {
      listIdentities: (pageToken, runCtx) => pager.page(pageToken, runCtx),
      close: async () => pager.close(),
    };
  },
};
