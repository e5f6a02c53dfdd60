import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Command } from 'commander';
import type { CliContext } from './cli-context.js';
import { usageError } from './cli-error.js';

/**
 * `iam-review init [DIR]`: writes a commented starter configuration (connectors/, policies/,
 * reviews/ with one identity source, one system, its policy, the bot's roles and one review)
 * that `validate` accepts as written and `sync` can run on its two sample CSV exports. It
 * never overwrites a file unless `--force` (then it overwrites only its own files).
 */
export function initCommand(ctx: CliContext): Command {
  return new Command('init')
    .description('write a commented starter configuration (connectors/, policies/, reviews/) into DIR (default: the current folder)')
    .argument('[dir]', 'the config folder to create', '.')
    .addHelpText('after', '\nRefuses (exit 2) when one of its files exists already; `iam-review --force init DIR` overwrites them.')
    .action((dir: string) => {
      const root = resolve(dir);
      const existing = Object.keys(STARTER_FILES).filter((file) => existsSync(join(root, file)));
      if (existing.length > 0 && !ctx.force) {
        throw usageError(`not overwriting ${existing.length === 1 ? 'a file that exists' : 'files that exist'} in ${root}: ${existing.join(', ')} (--force overwrites them)`);
      }
      for (const [file, text] of Object.entries(STARTER_FILES)) {
        mkdirSync(dirname(join(root, file)), { recursive: true });
        writeFileSync(join(root, file), text);
      }
      ctx.io.out([
        `Wrote a starter configuration to ${root}:`,
        ...Object.keys(STARTER_FILES).map((f) => `  ${f}${existing.includes(f) ? ' (overwritten)' : ''}`),
        '',
        'Next:',
        `  export IAM_REVIEW_CONFIG_DIR=${root}`,
        '  iam-review validate     # check it (edit the files, then again)',
        '  iam-review sync         # pull the two sample exports',
        '  iam-review check        # findings against the policy',
      ].join('\n'));
    });
}

/** The starter files, by path relative to the config folder. Each passes `validate` as written (test/cli/init-command.test.ts). */
export const STARTER_FILES: Readonly<Record<string, string>> = {
  'connectors/hr.yaml': `# The identity source: one identity per person (employees, contractors, third-party staff).
# Accounts in the other systems are matched to these identities by email (or HR number).
# Replace the CSV export with your HR system's, or with Entra ID (type: entra-id): see
# docs/connectors.md for every connector type and the permissions it needs.
id: hr                                  # unique system id (lower case, digits, -)
name: HR export (identity source)
kind: directory                         # wallet | trading | kms | directory | other
criticality: important                  # critical | important | standard (DORA: supports a critical or important function?)
owner: people-team@example.com          # who answers for this system (a fallback reviewer)
schedule: { cron: "0 5 * * *", timezone: Europe/Vaduz }   # when \`serve\` syncs it
connector:
  type: csv-identities
  path: sample-data/hr.csv              # relative to this connectors/ folder
`,
  'connectors/sample-data/hr.csv': `id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups
E1,anna.example@example.com,Anna Example,Operations,Head of Operations,,active,employee,,
E2,ben.example@example.com,Ben Example,Operations,Operations Analyst,anna.example@example.com,active,employee,,
E3,carla.example@example.com,Carla Example,Engineering,Platform Engineer,anna.example@example.com,active,contractor,2027-06-30,platform-admins
`,
  'connectors/back-office.yaml': `# One file per system to review. Secrets are never written here, only the name of the
# environment variable holding them: { env: VAR_NAME }.
id: back-office
name: Back-office application
kind: other
criticality: critical
owner: anna.example@example.com
description: Client onboarding and payment instructions.
schedule: { cron: "0 */6 * * *", timezone: Europe/Vaduz }
# Optional safety valve: a pull removing more than this share of the grants is quarantined,
# not applied (default: maxRemovalShare in policies/global.yaml).
sync: { maxRemovalShare: 0.1 }
# Optional: how revoked access is removed (manual: the owner is asked in Slack; ticket; auto)
# and within how many hours (default by criticality: policies/global.yaml).
remediation: { mode: manual }
connector:
  type: csv                             # one row per (account, role, scope)
  path: sample-data/back-office.csv
`,
  'connectors/sample-data/back-office.csv': `account_id,identity,role,scope,status,last_activity_at,display_name,account_type
anna,anna.example@example.com,APPROVER,,active,2026-11-20T09:00:00Z,Anna Example,human
ben,ben.example@example.com,OPERATOR,,active,2026-11-21T10:30:00Z,Ben Example,human
carla,carla.example@example.com,ADMIN,,active,2026-11-19T16:00:00Z,Carla Example,human
`,
  'policies/global.yaml': `# Firm-wide rules. Every key is optional; the values below are the defaults.

# Access unused for longer than this many days is "dormant" (a finding).
dormantAfterDays: 90

# Days a leaver (disabled or terminated in the identity source) may keep active access.
leaverGraceDays: 0

# Maximum months between two reviews of all access of a system, by criticality (DORA RTS
# Art. 21). \`validate\` warns when reviews/ does not meet them.
reviewCadenceMonths:
  critical: 6
  important: 12
  standard: 12

# A pull removing more than this share of a system's grants is quarantined, not applied.
maxRemovalShare: 0.1
`,
  'policies/back-office.yaml': `# Who may hold which role on one system (the file name is free; \`system\` links it).
# A grant whose holder matches none of allowedFor is a finding. Inside one matcher every
# key must match; any one matcher is enough. Keys: department, jobTitle, group, identity,
# employmentType, anyone.
system: back-office
unknownRoles: flag                      # flag | ignore: roles not listed here
roles:
  APPROVER:
    description: Approves payment instructions.
    privileged: true
    maxHolders: 2                       # more holders than this is a finding
    allowedFor:
      - jobTitle: Head of Operations
  OPERATOR:
    description: Enters client data and payment instructions.
    allowedFor:
      - department: Operations
        employmentType: employee
  ADMIN:
    description: Manages users and settings of the application.
    privileged: true
    # breakGlass: true                 # emergency access: each new grant or use opens a review for the owner
    allowedFor:
      - group: platform-admins
`,
  'policies/separation-of-duties.yaml': `# Roles no one may hold together (across systems). Each rule: id, description, severity
# (high | medium | low) and at least two roles as system-id:ROLE, e.g.
#   - id: SOD-ENTER-APPROVE
#     description: Whoever enters a payment instruction must not approve it.
#     severity: high
#     roles: [back-office:OPERATOR, back-office:APPROVER]
rules:
  - id: SOD-ENTER-APPROVE
    description: Whoever enters a payment instruction must not approve it (four-eyes principle).
    severity: high
    roles: [back-office:OPERATOR, back-office:APPROVER]
`,
  'reviews/roles.yaml': `# Who holds the bot's own roles. securityTeam: reviews what no manager or owner can, gets
# escalations, may reassign items; auditors: read access to campaigns and exports; fallbackReviewer:
# gets an item when nobody else can take it. Nobody reviews their own access: the head of
# operations (no manager, owner of back-office) is reviewed by the security officer.
securityTeam:
  - security.officer@example.com
auditors: []
fallbackReviewer: security.officer@example.com
`,
  'reviews/half-yearly.yaml': `# A review definition: each run is a campaign for one period, opened on schedule by \`serve\`
# (or now with \`iam-review campaign open half-yearly\`).
id: half-yearly
name: Half-yearly access review
schedule: { cron: "0 8 15 1,7 *", timezone: Europe/Vaduz }
period: half-year                       # month | quarter | half-year | year
scope:
  criticality: [critical, important, standard]   # or systems: [id, ...], kinds: [...]
reviewers: [manager, systemOwner]       # first that applies: manager, systemOwner, securityTeam
dueInDays: 14
reminders: { everyDays: 3 }
requireJustification: [revoke, approve-with-findings]
`,
};
