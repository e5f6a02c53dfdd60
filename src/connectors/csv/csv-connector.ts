/**
 * `csv`: the accounts and roles of any system that can export a file (the usual case for
 * trading platforms). One file per system, one row per (account, role, scope):
 *
 *   account_id, role (required); identity, scope, status, last_activity_at, display_name,
 *   account_type, detail (optional columns; see csv-row-mappers.ts for values and defaults;
 *   detail is the grant's structured detail as one JSON object).
 *
 * A missing required column fails the run; a row that breaks the format becomes a
 * `file:line: message` problem and is skipped (the snapshot is then partial).
 */
import type { ConnectorType, GrantRecord } from '../connector.js';
import { CsvPager, csvFileSettingsSchema } from './csv-pager.js';
import type { CsvFileSettings } from './csv-pager.js';
import { GRANT_COLUMNS, REQUIRED_GRANT_COLUMNS, mapGrantRow } from './csv-row-mappers.js';
import type { GrantColumn } from './csv-row-mappers.js';

export const csvConnectorType: ConnectorType<CsvFileSettings> = {
  type: 'csv',
  settingsSchema: csvFileSettingsSchema,
  secretSettings: [],
  create(settings, ctx) {
    const pager = new CsvPager<GrantColumn, GrantRecord>(
      settings,
      ctx.configDir,
      { known: GRANT_COLUMNS, required: REQUIRED_GRANT_COLUMNS },
      (layout) => (row) => mapGrantRow(row.fields, layout),
    );
    return {
      listGrants: (pageToken, runCtx) => pager.page(pageToken, runCtx),
      close: async () => pager.close(),
    };
  },
};
