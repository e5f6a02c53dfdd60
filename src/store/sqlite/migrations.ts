import type Database from 'better-sqlite3';

/**
 * Versioned schema migrations, tracked in `PRAGMA user_version`. Each migration runs in its
 * own immediate transaction together with the version bump, so a crash leaves the database at
 * a whole version and two processes opening the same file never migrate it twice.
 * Append new migrations; never edit one that has shipped.
 */
export interface Migration {
  version: number;
  description: string;
  sql: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'initial schema',
    sql: `
      -- key: a compact integer handle for the grants table (a text id repeated in 1M index
      -- entries makes them twice the size and the bulk insert about twice as slow).
      CREATE TABLE snapshots (
        key INTEGER PRIMARY KEY,
        id TEXT NOT NULL UNIQUE,
        system_id TEXT NOT NULL,
        status TEXT NOT NULL,
        started_at TEXT NOT NULL,
        finished_at TEXT,
        duration_ms INTEGER,
        counts TEXT NOT NULL,
        problems TEXT NOT NULL,
        content_hash TEXT,
        previous_snapshot_id TEXT,
        accepted_by TEXT
      );
      CREATE INDEX snapshots_by_system ON snapshots (system_id, started_at);
      CREATE INDEX snapshots_by_started ON snapshots (started_at);

      -- The current snapshot of each system: one small row per system.
      CREATE TABLE system_state (
        system_id TEXT PRIMARY KEY,
        snapshot_id TEXT NOT NULL REFERENCES snapshots (id)
      );

      -- Rows are appended in arrival order (cheap), and the (snapshot_key, id) index serves the
      -- id-ordered keyset reads. Grant ids are hashes, so arrival order is random in id: a table
      -- clustered on the id would split pages on nearly every insert (measured ~2x slower for
      -- 1M grants). system_id is not stored per row: it is the snapshot's (checked on write).
      CREATE TABLE grants (
        row INTEGER PRIMARY KEY,
        snapshot_key INTEGER NOT NULL REFERENCES snapshots (key),
        id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        role TEXT NOT NULL,
        scope TEXT NOT NULL,
        identity_id TEXT,
        identity_ref TEXT,
        account_display_name TEXT,
        account_type TEXT NOT NULL,
        account_status TEXT NOT NULL,
        last_activity_at TEXT,
        first_seen_at TEXT
      );
      CREATE UNIQUE INDEX grants_by_snapshot ON grants (snapshot_key, id);

      CREATE TABLE identities (
        snapshot_id TEXT NOT NULL REFERENCES snapshots (id),
        id TEXT NOT NULL,
        email TEXT,
        display_name TEXT NOT NULL,
        department TEXT,
        job_title TEXT,
        manager_id TEXT,
        groups TEXT NOT NULL,
        aliases TEXT NOT NULL,
        status TEXT NOT NULL,
        employment_type TEXT NOT NULL,
        contract_end TEXT,
        last_sign_in_at TEXT,
        source_system_id TEXT NOT NULL,
        PRIMARY KEY (snapshot_id, id)
      ) WITHOUT ROWID;
      CREATE INDEX identities_by_email ON identities (lower(email));

      CREATE TABLE grant_changes (
        snapshot_id TEXT NOT NULL REFERENCES snapshots (id),
        grant_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        system_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        role TEXT NOT NULL,
        scope TEXT NOT NULL,
        before TEXT,
        after TEXT,
        PRIMARY KEY (snapshot_id, grant_id)
      ) WITHOUT ROWID;

      CREATE TABLE evaluations (
        id TEXT PRIMARY KEY,
        at TEXT NOT NULL,
        system_ids TEXT NOT NULL,
        policy_hash TEXT NOT NULL,
        counts TEXT NOT NULL
      );
      CREATE INDEX evaluations_by_at ON evaluations (at);

      -- One row per raising of a finding key: a key resolved and raised again gets a new row,
      -- so the history is kept. At most one open row per key.
      CREATE TABLE findings (
        row_id INTEGER PRIMARY KEY,
        key TEXT NOT NULL,
        type TEXT NOT NULL,
        severity TEXT NOT NULL,
        system_id TEXT NOT NULL,
        grant_id TEXT,
        account_id TEXT,
        identity_id TEXT,
        role TEXT,
        scope TEXT,
        rule_id TEXT NOT NULL,
        reason TEXT NOT NULL,
        evidence TEXT NOT NULL,
        evaluation_id TEXT NOT NULL REFERENCES evaluations (id),
        first_seen_at TEXT NOT NULL,
        last_seen_at TEXT NOT NULL,
        resolved_at TEXT
      );
      CREATE UNIQUE INDEX findings_open_key ON findings (key) WHERE resolved_at IS NULL;
      CREATE INDEX findings_history ON findings (key, row_id);
      CREATE INDEX findings_open_by_system ON findings (system_id, key) WHERE resolved_at IS NULL;
      CREATE INDEX findings_open_by_grant ON findings (grant_id) WHERE resolved_at IS NULL;

      CREATE TABLE campaigns (
        id TEXT PRIMARY KEY,
        review_id TEXT NOT NULL,
        period TEXT NOT NULL,
        name TEXT NOT NULL,
        state TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        closed_at TEXT,
        opened_by TEXT NOT NULL,
        UNIQUE (review_id, period)
      );
      CREATE INDEX campaigns_by_state ON campaigns (state, closed_at);

      CREATE TABLE review_items (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL REFERENCES campaigns (id),
        grant_id TEXT NOT NULL,
        system_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        role TEXT NOT NULL,
        scope TEXT NOT NULL,
        identity_id TEXT,
        reviewer_id TEXT NOT NULL,
        reviewer_source TEXT NOT NULL,
        state TEXT NOT NULL,
        findings TEXT NOT NULL,
        last_activity_at TEXT,
        decision_id TEXT,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX review_items_by_campaign ON review_items (campaign_id, system_id, state);
      CREATE INDEX review_items_by_reviewer ON review_items (reviewer_id, state);

      -- One decision per item (the id is the item id; item_id is unique too). Never updated.
      CREATE TABLE decisions (
        id TEXT PRIMARY KEY,
        item_id TEXT NOT NULL UNIQUE REFERENCES review_items (id),
        campaign_id TEXT NOT NULL REFERENCES campaigns (id),
        outcome TEXT NOT NULL,
        reviewer_id TEXT NOT NULL,
        reviewer_email TEXT,
        reviewer_slack_id TEXT,
        channel TEXT NOT NULL,
        justification TEXT,
        decided_at TEXT NOT NULL,
        findings_at_decision TEXT NOT NULL,
        simulated INTEGER NOT NULL
      );
      CREATE INDEX decisions_by_campaign ON decisions (campaign_id, decided_at);
      CREATE TRIGGER decisions_never_updated BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are never updated in place'); END;

      CREATE TABLE deliveries (
        id TEXT PRIMARY KEY,
        campaign_id TEXT NOT NULL,
        recipient TEXT NOT NULL,
        kind TEXT NOT NULL,
        key TEXT NOT NULL,
        state TEXT NOT NULL,
        channel TEXT,
        ts TEXT,
        attempts INTEGER NOT NULL,
        error TEXT,
        updated_at TEXT NOT NULL,
        payload TEXT NOT NULL
      );
      CREATE INDEX deliveries_by_campaign ON deliveries (campaign_id, recipient);

      -- slot_at is the ISO time part of the slot; expires_ms is claimed_at + ttl in epoch ms.
      CREATE TABLE scheduler_runs (
        slot TEXT PRIMARY KEY,
        job TEXT NOT NULL,
        slot_at TEXT NOT NULL,
        owner TEXT NOT NULL,
        claimed_at TEXT NOT NULL,
        expires_ms INTEGER NOT NULL,
        completed_at TEXT
      );
      CREATE INDEX scheduler_runs_completed ON scheduler_runs (job, slot_at) WHERE completed_at IS NOT NULL;

      CREATE TABLE slack_users (
        id TEXT PRIMARY KEY,
        team_id TEXT,
        email TEXT,
        name TEXT NOT NULL,
        deleted INTEGER NOT NULL,
        is_bot INTEGER NOT NULL,
        updated_at TEXT NOT NULL
      );
      CREATE INDEX slack_users_by_email ON slack_users (lower(email));
      CREATE TABLE slack_directory (
        id INTEGER PRIMARY KEY CHECK (id = 1),
        refreshed_at TEXT NOT NULL
      );

      -- The hash-chained audit ledger. Append-only: updates and deletes are refused
      -- (DORA RTS Art. 12: logs protected against tampering and deletion).
      CREATE TABLE ledger_events (
        seq INTEGER PRIMARY KEY,
        at TEXT NOT NULL,
        type TEXT NOT NULL,
        actor TEXT NOT NULL,
        subject TEXT NOT NULL,
        data TEXT NOT NULL,
        prev_hash TEXT NOT NULL,
        hash TEXT NOT NULL
      );
      CREATE INDEX ledger_events_by_at ON ledger_events (at);
      CREATE INDEX ledger_events_by_type ON ledger_events (type);
      CREATE INDEX ledger_events_by_subject ON ledger_events (subject);
      CREATE TRIGGER ledger_events_no_update BEFORE UPDATE ON ledger_events
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;
      CREATE TRIGGER ledger_events_no_delete BEFORE DELETE ON ledger_events
        BEGIN SELECT RAISE(ABORT, 'the ledger is append-only'); END;

      CREATE TABLE kv (
        key TEXT PRIMARY KEY,
        value TEXT NOT NULL
      );
    `,
  },
  {
    version: 2,
    description: 'drop the ledger subject index',
    // Subjects are random ids (items, findings), so this index took a random page write per
    // appended event and tripled the cost of a ledger append; `audit log --subject` and the
    // few subject lookups run over the type or time range instead.
    sql: `DROP INDEX IF EXISTS ledger_events_by_subject;`,
  },
  {
    version: 3,
    description: 'drop the ledger type index',
    // Each index costs every append a B-tree insert (~0.8 us, a quarter of the ledger's write
    // cost). The code's type lookups all carry a time bound (export.performed since the export,
    // item.reassigned since the campaign opened, campaign.closed since it closed) and run on the
    // time index; `audit log --type` without `--since` scans, as a listing may.
    sql: `DROP INDEX IF EXISTS ledger_events_by_type;`,
  },
  {
    version: 4,
    description: 'decisions clustered by item id',
    // Decisions arrive in decision-time order, so a rowid table scattered an export's read of
    // a campaign's decisions in item order over the whole file (a random page per item). A
    // WITHOUT ROWID table keyed by item_id stores them in item order: an export reads them
    // as one sequential range, page by page alongside the items. Same columns, same rules.
    sql: `
      CREATE TABLE decisions_by_item (
        id TEXT NOT NULL UNIQUE,
        item_id TEXT PRIMARY KEY REFERENCES review_items (id),
        campaign_id TEXT NOT NULL REFERENCES campaigns (id),
        outcome TEXT NOT NULL,
        reviewer_id TEXT NOT NULL,
        reviewer_email TEXT,
        reviewer_slack_id TEXT,
        channel TEXT NOT NULL,
        justification TEXT,
        decided_at TEXT NOT NULL,
        findings_at_decision TEXT NOT NULL,
        simulated INTEGER NOT NULL
      ) WITHOUT ROWID;
      INSERT INTO decisions_by_item (id, item_id, campaign_id, outcome, reviewer_id, reviewer_email, reviewer_slack_id, channel,
          justification, decided_at, findings_at_decision, simulated)
        SELECT id, item_id, campaign_id, outcome, reviewer_id, reviewer_email, reviewer_slack_id, channel,
          justification, decided_at, findings_at_decision, simulated
        FROM decisions ORDER BY item_id;
      DROP TABLE decisions;
      ALTER TABLE decisions_by_item RENAME TO decisions;
      CREATE INDEX decisions_by_campaign ON decisions (campaign_id, decided_at);
      CREATE TRIGGER decisions_never_updated BEFORE UPDATE ON decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are never updated in place'); END;
    `,
  },
  {
    version: 5,
    description: 'remediations',
    // One row per revoked grant (id derived from the reason: `rem:${itemId}`), from the
    // decision to the snapshot that shows the grant gone. item_id is NULL for a finding's
    // remediation. Verification walks a system's remediations in id order (remediations_by_system,
    // no sort) and looks each grant up in the grants_by_snapshot index; marking overdue reads
    // only the ones still awaiting it (a partial index: verified ones pile up over the years);
    // decisions_revoked finds revoke decisions without a remediation.
    sql: `
      CREATE TABLE remediations (
        id TEXT PRIMARY KEY,
        item_id TEXT UNIQUE REFERENCES review_items (id),
        campaign_id TEXT,
        grant_id TEXT NOT NULL,
        system_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        role TEXT NOT NULL,
        scope TEXT NOT NULL,
        reason_kind TEXT NOT NULL,
        reason_ref TEXT NOT NULL,
        requested_by TEXT NOT NULL,
        opened_at TEXT NOT NULL,
        due_at TEXT NOT NULL,
        state TEXT NOT NULL,
        requested_at TEXT,
        claimed_at TEXT,
        claimed_by TEXT,
        claim_note TEXT,
        overdue_at TEXT,
        verified_at TEXT,
        verified_snapshot_id TEXT,
        verified_snapshot_hash TEXT,
        reappeared_at TEXT,
        reappeared_snapshot_id TEXT,
        failure TEXT,
        updated_at TEXT NOT NULL
      ) WITHOUT ROWID;
      CREATE INDEX remediations_by_system ON remediations (system_id, id, state);
      CREATE INDEX remediations_awaiting_overdue ON remediations (due_at, id)
        WHERE overdue_at IS NULL AND state IN ('open', 'requested', 'claimed', 'failed');
      CREATE INDEX decisions_revoked ON decisions (item_id) WHERE outcome = 'revoke';
    `,
  },
  {
    version: 6,
    description: 'grant detail',
    // A grant's structured detail (privileges, custody-policy rule, path), canonical JSON;
    // NULL for the grants of connectors that report none, which costs nothing per row.
    sql: `
      ALTER TABLE grants ADD COLUMN detail TEXT;
    `,
  },
  {
    version: 7,
    description: 'review item detail',
    // The grant's detail as the campaign froze it (canonical JSON), NULL when it had none.
    sql: `
      ALTER TABLE review_items ADD COLUMN detail TEXT;
    `,
  },
  {
    version: 8,
    description: 'remediations by grant',
    // Remediations of findings (policies/global.yaml remediation.findings): at most one
    // unverified remediation per grant, so opening one, and attaching a revoke to one, looks
    // up the grant's remediations.
    sql: `
      CREATE INDEX remediations_by_grant ON remediations (grant_id, state);
    `,
  },
  {
    version: 9,
    description: 'decision operator',
    // Who entered a decision on the reviewer's behalf (`decide`); NULL when the reviewer acted
    // in Slack, and for decisions recorded before operators were.
    sql: `
      ALTER TABLE decisions ADD COLUMN operator TEXT;
    `,
  },
  {
    version: 10,
    description: 'decision through approve-all',
    // 1 when the decision was recorded through "approve all without findings"; 0 for a decision
    // on one item, and for decisions recorded before this was.
    sql: `
      ALTER TABLE decisions ADD COLUMN approve_all INTEGER NOT NULL DEFAULT 0;
    `,
  },
  {
    version: 11,
    description: 'multi-stage reviews',
    // review_items.stage: the stage an item is in (pending) or was settled at; stage_due_at: when
    // it is due there (NULL: stage 1, due by the campaign's opening + stage 1's days).
    // decisions.stage: the stage of the decision that settled the item. stage_decisions: the
    // decisions that passed an item on to a later stage (id `${item_id}#${stage}`), one per
    // (item, stage), never updated, clustered by item as decisions are (migration 4). Existing
    // rows are stage 1: every definition before this was one stage.
    sql: `
      ALTER TABLE review_items ADD COLUMN stage INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE review_items ADD COLUMN stage_due_at TEXT;
      ALTER TABLE decisions ADD COLUMN stage INTEGER NOT NULL DEFAULT 1;
      CREATE TABLE stage_decisions (
        id TEXT NOT NULL UNIQUE,
        item_id TEXT NOT NULL REFERENCES review_items (id),
        stage INTEGER NOT NULL,
        campaign_id TEXT NOT NULL REFERENCES campaigns (id),
        outcome TEXT NOT NULL,
        reviewer_id TEXT NOT NULL,
        reviewer_email TEXT,
        reviewer_slack_id TEXT,
        channel TEXT NOT NULL,
        justification TEXT,
        decided_at TEXT NOT NULL,
        findings_at_decision TEXT NOT NULL,
        simulated INTEGER NOT NULL,
        operator TEXT,
        approve_all INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (item_id, stage)
      ) WITHOUT ROWID;
      CREATE TRIGGER stage_decisions_never_updated BEFORE UPDATE ON stage_decisions
        BEGIN SELECT RAISE(ABORT, 'decisions are never updated in place'); END;
    `,
  },
  {
    version: 12,
    description: 'grant rows stored once per change (snapshot deltas)',
    // A sync writes only what changed. Each applied state of a system is a version (global,
    // increasing); a grant row is stored once, by the delta that added it (delta_key), and
    // marked with the version that removed it (removed). Applying a snapshot gives its delta
    // the next version; an applied snapshot reads at its delta's version: the rows of deltas
    // of versions <= it, not removed at or before it. A snapshot not (yet) applied reads its
    // base version (base_version, null: none) minus its pending removals (grant_removals) plus
    // its own rows. grants_by_delta finds a delta's rows (prune, rebase, where a scan begins).
    // Existing data: each snapshot's rows become its delta; complete snapshots are versions in
    // start order (each replacing the one before), the current one last per system; the others
    // keep their rows as a pending delta without base (they read exactly as before).
    sql: `
      CREATE TABLE grant_systems (
        key INTEGER PRIMARY KEY,
        system_id TEXT NOT NULL UNIQUE
      );
      INSERT INTO grant_systems (system_id) SELECT DISTINCT system_id FROM snapshots ORDER BY system_id;

      CREATE TABLE grant_deltas (
        key INTEGER PRIMARY KEY,
        system_key INTEGER NOT NULL REFERENCES grant_systems (key),
        snapshot_key INTEGER NOT NULL REFERENCES snapshots (key),
        version INTEGER UNIQUE
      );
      CREATE INDEX grant_deltas_by_system ON grant_deltas (system_key, version);
      INSERT INTO grant_deltas (key, system_key, snapshot_key, version)
        SELECT s.key, gs.key, s.key,
          CASE WHEN s.status = 'complete'
            THEN ROW_NUMBER() OVER (PARTITION BY s.status = 'complete' ORDER BY st.system_id IS NOT NULL, s.started_at, s.key) END
        FROM snapshots s
        JOIN grant_systems gs ON gs.system_id = s.system_id
        LEFT JOIN system_state st ON st.snapshot_id = s.id;

      ALTER TABLE snapshots ADD COLUMN delta_key INTEGER REFERENCES grant_deltas (key);
      ALTER TABLE snapshots ADD COLUMN base_version INTEGER;
      UPDATE snapshots SET delta_key = key;

      CREATE TABLE grant_removals (
        delta_key INTEGER NOT NULL REFERENCES grant_deltas (key),
        row INTEGER NOT NULL,
        PRIMARY KEY (delta_key, row)
      ) WITHOUT ROWID;

      CREATE TABLE grant_rows (
        row INTEGER PRIMARY KEY,
        system_key INTEGER NOT NULL REFERENCES grant_systems (key),
        delta_key INTEGER NOT NULL REFERENCES grant_deltas (key),
        removed INTEGER,
        id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        role TEXT NOT NULL,
        scope TEXT NOT NULL,
        identity_id TEXT,
        identity_ref TEXT,
        account_display_name TEXT,
        account_type TEXT NOT NULL,
        account_status TEXT NOT NULL,
        last_activity_at TEXT,
        first_seen_at TEXT,
        detail TEXT
      );
      INSERT INTO grant_rows (row, system_key, delta_key, removed, id, account_id, role, scope, identity_id, identity_ref,
          account_display_name, account_type, account_status, last_activity_at, first_seen_at, detail)
        SELECT g.row, d.system_key, d.key,
          (SELECT min(n.version) FROM grant_deltas n WHERE n.system_key = d.system_key AND n.version > d.version),
          g.id, g.account_id, g.role, g.scope, g.identity_id, g.identity_ref, g.account_display_name, g.account_type,
          g.account_status, g.last_activity_at, g.first_seen_at, g.detail
        FROM grants g JOIN grant_deltas d ON d.key = g.snapshot_key ORDER BY g.row;
      DROP TABLE grants;
      ALTER TABLE grant_rows RENAME TO grants;
      CREATE UNIQUE INDEX grants_by_system ON grants (system_key, id, delta_key);
      CREATE INDEX grants_by_delta ON grants (delta_key);
    `,
  },
  {
    version: 13,
    description: 'grant changes keyed by the snapshot key',
    // A change row names its snapshot by key (an integer) instead of by id (~45 characters
    // repeated on every row, in the row and in its key): a first sync records a change per
    // grant, so this table was as large as the grants themselves.
    sql: `
      CREATE TABLE grant_changes_by_key (
        snapshot_key INTEGER NOT NULL REFERENCES snapshots (key),
        grant_id TEXT NOT NULL,
        kind TEXT NOT NULL,
        system_id TEXT NOT NULL,
        account_id TEXT NOT NULL,
        role TEXT NOT NULL,
        scope TEXT NOT NULL,
        before TEXT,
        after TEXT,
        PRIMARY KEY (snapshot_key, grant_id)
      ) WITHOUT ROWID;
      INSERT INTO grant_changes_by_key (snapshot_key, grant_id, kind, system_id, account_id, role, scope, before, after)
        SELECT s.key, c.grant_id, c.kind, c.system_id, c.account_id, c.role, c.scope, c.before, c.after
        FROM grant_changes c JOIN snapshots s ON s.id = c.snapshot_id ORDER BY s.key, c.grant_id;
      DROP TABLE grant_changes;
      ALTER TABLE grant_changes_by_key RENAME TO grant_changes;
    `,
  },
  {
    version: 15,
    description: 'identities stored once per distinct content',
    // A directory sync stored every identity again (20,000 people: ~5.6 MB a sync, nearly all
    // of a 1M-grant firm's growth per sync). Each distinct identity content is now one
    // identity_versions row (content_key: the JSON array of its columns, identity-version.ts),
    // and a snapshot holds its people as (snapshot key, id) -> version: a few bytes each.
    // Identities are evidence as before: any snapshot's people read back exactly.
    sql: `
      CREATE TABLE identity_versions (
        vkey INTEGER PRIMARY KEY,
        content_key TEXT NOT NULL UNIQUE,
        id TEXT NOT NULL,
        email TEXT,
        display_name TEXT NOT NULL,
        department TEXT,
        job_title TEXT,
        manager_id TEXT,
        groups TEXT NOT NULL,
        aliases TEXT NOT NULL,
        status TEXT NOT NULL,
        employment_type TEXT NOT NULL,
        contract_end TEXT,
        last_sign_in_at TEXT,
        source_system_id TEXT NOT NULL
      );
      INSERT OR IGNORE INTO identity_versions (content_key, id, email, display_name, department, job_title, manager_id, groups, aliases, status, employment_type, contract_end, last_sign_in_at, source_system_id)
        SELECT json_array(id, email, display_name, department, job_title, manager_id, groups, aliases, status, employment_type, contract_end, last_sign_in_at, source_system_id), id, email, display_name, department, job_title, manager_id, groups, aliases, status, employment_type, contract_end, last_sign_in_at, source_system_id
        FROM identities ORDER BY snapshot_id, id;
      CREATE TABLE snapshot_identities (
        snapshot_key INTEGER NOT NULL REFERENCES snapshots (key),
        id TEXT NOT NULL,
        vkey INTEGER NOT NULL REFERENCES identity_versions (vkey),
        PRIMARY KEY (snapshot_key, id)
      ) WITHOUT ROWID;
      INSERT INTO snapshot_identities (snapshot_key, id, vkey)
        SELECT s.key, i.id, v.vkey
        FROM identities i JOIN snapshots s ON s.id = i.snapshot_id
        JOIN identity_versions v ON v.content_key = json_array(i.id, i.email, i.display_name, i.department, i.job_title, i.manager_id, i.groups, i.aliases, i.status, i.employment_type, i.contract_end, i.last_sign_in_at, i.source_system_id);
      DROP TABLE identities;
      CREATE INDEX identity_versions_by_id ON identity_versions (id);
      CREATE INDEX identity_versions_by_email ON identity_versions (lower(email));
    `,
  },
  {
    version: 16,
    description: 'multi-stage reads that follow what they need, not the campaign',
    // review_items_at_later_stage: only the items pending at stage 2 or later (a partial index:
    // nothing for the rest of the campaign), in item order per campaign, for the stage hand-off
    // catch-up (pendingAtLaterStages). decisions/stage_decisions by (campaign, reviewer, time):
    // one reviewer's decisions for rubber-stamp detection on an approval (decisionsOf); with
    // decided_at in the key the planner takes these over decisions_by_campaign's order.
    sql: `
      CREATE INDEX review_items_at_later_stage ON review_items (campaign_id, id) WHERE state = 'pending' AND stage > 1;
      CREATE INDEX decisions_by_reviewer ON decisions (campaign_id, reviewer_id, decided_at);
      CREATE INDEX stage_decisions_by_reviewer ON stage_decisions (campaign_id, reviewer_id, decided_at);
    `,
  },
  {
    version: 17,
    description: 'the review pages showing an item, by item',
    // delivery_items: one row per item id in a delivery's payload.itemIds (a JSON array; other
    // payloads have none), kept by triggers on every insert and payload change, so that
    // list({ showingItems }) reads the pages showing an item instead of every page of the
    // campaign. The triggers follow the stored payload, whatever statement wrote it. Existing
    // deliveries are indexed here.
    sql: `
      CREATE TABLE delivery_items (
        item_id TEXT NOT NULL,
        delivery_id TEXT NOT NULL,
        PRIMARY KEY (item_id, delivery_id)
      ) WITHOUT ROWID;
      INSERT OR IGNORE INTO delivery_items (item_id, delivery_id)
        SELECT j.value, d.id FROM deliveries d, json_each(d.payload, '$.itemIds') j
        WHERE json_type(d.payload, '$.itemIds') = 'array' AND j.type = 'text';
      CREATE TRIGGER delivery_items_on_insert AFTER INSERT ON deliveries
        WHEN json_type(NEW.payload, '$.itemIds') = 'array'
        BEGIN
          INSERT OR IGNORE INTO delivery_items (item_id, delivery_id)
            SELECT value, NEW.id FROM json_each(NEW.payload, '$.itemIds') WHERE type = 'text';
        END;
      CREATE TRIGGER delivery_items_on_payload AFTER UPDATE OF payload ON deliveries
        WHEN NEW.payload IS NOT OLD.payload
        BEGIN
          DELETE FROM delivery_items WHERE delivery_id = OLD.id
            AND item_id IN (SELECT value FROM json_each(OLD.payload, '$.itemIds') WHERE json_type(OLD.payload, '$.itemIds') = 'array' AND type = 'text');
          INSERT OR IGNORE INTO delivery_items (item_id, delivery_id)
            SELECT value, NEW.id FROM json_each(NEW.payload, '$.itemIds') WHERE json_type(NEW.payload, '$.itemIds') = 'array' AND type = 'text';
        END;
      CREATE TRIGGER delivery_items_on_delete AFTER DELETE ON deliveries
        BEGIN
          DELETE FROM delivery_items WHERE delivery_id = OLD.id
            AND item_id IN (SELECT value FROM json_each(OLD.payload, '$.itemIds') WHERE json_type(OLD.payload, '$.itemIds') = 'array' AND type = 'text');
        END;
    `,
  },
  {
    version: 18,
    description: 'the running sum behind each snapshot content hash',
    // content_sum: GrantSetHash.state() of the snapshot's grants as finished (null before this
    // version, or for a snapshot without grants), so that the next sync carries it forward and
    // hashes only the grants that changed.
    sql: `ALTER TABLE snapshots ADD COLUMN content_sum TEXT;`,
  },
  {
    version: 19,
    description: 'a first snapshot of a system derives its added changes from its grants',
    // changes_derived = 1: the snapshot started from the empty state (created fromPrevious
    // without a previous snapshot): it stores no grant_changes rows, its changes are its grants,
    // each added (src/store/added-changes.ts); pruneGrants writes them as rows (and clears the
    // flag) before deleting those grants. Snapshots from before this version have their rows: 0.
    sql: `ALTER TABLE snapshots ADD COLUMN changes_derived INTEGER NOT NULL DEFAULT 0;`,
  },
  {
    version: 20,
    description: 'a directory snapshot stores only the people who changed',
    // A snapshot's people were one snapshot_identities row per person and snapshot (20,000 people:
    // ~0.37 MB a sync, however few changed). They are now stored as the grants are (migration 12):
    // a membership row (system, id, the delta that added it, the version that removed it, the
    // identity version) is written once, by the snapshot that added or changed that person, and
    // read at a version like a grant row. A snapshot started from an applied one (identity_base:
    // the version it was pulled against, null: none) stores only its changed people; the unchanged
    // ones it was given wait in identity_seen while it runs, and when it finishes the base's people
    // it was not given become its pending removals (identity_removals), applied with its version.
    // Existing data: the applied snapshots of each system, in version order, become runs of
    // versions (a row per run of the same person and content: gaps and islands); the others keep
    // their people as rows of their own delta, without base: every snapshot reads as before.
    sql: `
      ALTER TABLE snapshots ADD COLUMN identity_base INTEGER;
      CREATE TABLE identity_members (
        system_key INTEGER NOT NULL REFERENCES grant_systems (key),
        id TEXT NOT NULL,
        delta_key INTEGER NOT NULL REFERENCES grant_deltas (key),
        removed INTEGER,
        vkey INTEGER NOT NULL REFERENCES identity_versions (vkey),
        PRIMARY KEY (system_key, id, delta_key)
      ) WITHOUT ROWID;
      CREATE TABLE identity_removals (
        delta_key INTEGER NOT NULL REFERENCES grant_deltas (key),
        id TEXT NOT NULL,
        PRIMARY KEY (delta_key, id)
      ) WITHOUT ROWID;
      CREATE TABLE identity_seen (
        delta_key INTEGER NOT NULL REFERENCES grant_deltas (key),
        id TEXT NOT NULL,
        PRIMARY KEY (delta_key, id)
      ) WITHOUT ROWID;

      CREATE TEMP TABLE applied_versions (
        system_key INTEGER NOT NULL, n INTEGER NOT NULL, delta_key INTEGER NOT NULL, snapshot_key INTEGER NOT NULL, version INTEGER NOT NULL,
        PRIMARY KEY (system_key, n)
      ) WITHOUT ROWID;
      INSERT INTO applied_versions (system_key, n, delta_key, snapshot_key, version)
        SELECT system_key, ROW_NUMBER() OVER (PARTITION BY system_key ORDER BY version), key, snapshot_key, version
        FROM grant_deltas WHERE version IS NOT NULL;
      INSERT INTO identity_members (system_key, id, delta_key, removed, vkey)
        SELECT r.system_key, r.id, f.delta_key, l.version, r.vkey
        FROM (
          SELECT system_key, id, vkey, min(n) AS first, max(n) AS last FROM (
            SELECT v.system_key, v.n, m.id, m.vkey, v.n - ROW_NUMBER() OVER (PARTITION BY v.system_key, m.id, m.vkey ORDER BY v.n) AS island
            FROM applied_versions v JOIN snapshot_identities m ON m.snapshot_key = v.snapshot_key
          ) GROUP BY system_key, id, vkey, island
        ) r
        JOIN applied_versions f ON f.system_key = r.system_key AND f.n = r.first
        LEFT JOIN applied_versions l ON l.system_key = r.system_key AND l.n = r.last + 1;
      DROP TABLE applied_versions;
      INSERT INTO identity_members (system_key, id, delta_key, removed, vkey)
        SELECT d.system_key, m.id, d.key, NULL, m.vkey
        FROM grant_deltas d JOIN snapshots s ON s.key = d.snapshot_key AND s.delta_key = d.key
        JOIN snapshot_identities m ON m.snapshot_key = s.key
        WHERE d.version IS NULL;
      DROP TABLE snapshot_identities;
    `,
  },
];

export const SCHEMA_VERSION = MIGRATIONS.reduce((max, m) => Math.max(max, m.version), 0);

/**
 * Brings the database to SCHEMA_VERSION. Refuses a database written by a newer version of
 * iam-review (its schema is unknown here), rather than reading it wrongly.
 */
/** The schema version this code writes and reads. */
export function latestVersion(migrations: readonly Migration[] = MIGRATIONS): number {
  return migrations.reduce((max, m) => Math.max(max, m.version), 0);
}

export function migrate(db: Database.Database, migrations: readonly Migration[] = MIGRATIONS): number {
  const latest = migrations.reduce((max, m) => Math.max(max, m.version), 0);
  const apply = db.transaction((migration: Migration) => {
    // Re-read inside the lock: another process may have migrated since we looked.
    if (userVersion(db) >= migration.version) return;
    db.exec(migration.sql);
    db.pragma(`user_version = ${migration.version}`);
  });
  const found = userVersion(db);
  if (found > latest) {
    throw new Error(`database schema version ${found} is newer than this iam-review supports (${latest}); upgrade iam-review`);
  }
  for (const migration of [...migrations].sort((a, b) => a.version - b.version)) {
    if (migration.version > found) apply.immediate(migration);
  }
  return userVersion(db);
}

export function userVersion(db: Database.Database): number {
  return db.pragma('user_version', { simple: true }) as number;
}
