/**
 * A seeded firm generator for the benchmarks (issue 18): writes a complete configuration the
 * real CLI accepts (`iam-review validate`) and its CSV exports:
 *
 *   connectors/  hr.yaml (csv-identities) + one csv connector per system, exports/ under it
 *   policies/    global.yaml, <system>.yaml (allowedFor by department/group, privileged roles),
 *                separation-of-duties.yaml
 *   reviews/     all-systems.yaml (every criticality, reviewers: manager), roles.yaml
 *
 * Shapes: a hierarchy (CEO, department heads, team leads, teams of ten), leavers (terminated
 * and disabled people who still hold access), contractors and third parties with contract ends
 * (some past), dormant accounts (last activity months ago), orphaned accounts (no identity or an
 * unknown one), out-of-policy and unknown roles, SoD pairs held together. About 5-9% of grants
 * get a finding. The same seed, size and day give the same bytes.
 *
 * With `churn` (a share, e.g. 0.01) it also writes the next day's exports under
 * connectors/exports/day1/: a third of the churn removed, a third changed (display name), a
 * third added. The exports the connectors read are connectors/exports/*.csv (day 0);
 * `useDay(dir, 1)` copies day 1 over them.
 *
 *   npx tsx bench/firm/generate-firm.ts --out DIR --grants 1000000 [--identities 20000] [--systems 5] [--seed N] [--churn 0.01]
 */
import { copyFileSync, createWriteStream, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import type { WriteStream } from 'node:fs';
import { once } from 'node:events';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { seededRandom } from '../../test/fakes/seeded-random.js';
import { DEPARTMENTS, SOD_PAIRS, systemsOf } from './firm-model.js';
import type { Department, SystemModel } from './firm-model.js';

export interface FirmOptions {
  out: string;
  grants: number;
  identities?: number;
  systems?: number;
  seed?: number;
  /** Share of grants that change by day 1 (0: no day-1 exports). */
  churn?: number;
  /** "Today" for activity dates (default: the current UTC day), so dormancy reads the same in check. */
  today?: Date;
}

export interface FirmSummary {
  dir: string;
  identities: number;
  systems: string[];
  /** Grant rows per day (day 0; day 1 when churned). */
  grants: number;
  grantsDay1: number | null;
  reviewId: string;
}

export const REVIEW_ID = 'all-systems';
const DAY = 86_400_000;
const GRANT_HEADER = 'account_id,identity,role,scope,status,last_activity_at,display_name,account_type\n';
const FIRST = ['Anna', 'Lukas', 'Sarah', 'Jonas', 'Laura', 'Felix', 'Nadine', 'Tobias', 'Julia', 'Martin', 'Petra', 'Roman', 'Isabel', 'Fabian', 'Katrin', 'Markus'];
const LAST = ['Frick', 'Buechel', 'Marxer', 'Ospelt', 'Hasler', 'Kaiser', 'Risch', 'Batliner', 'Quaderer', 'Schaedler', 'Kindle', 'Kranz', 'Wanger', 'Goop', 'Jehle', 'Bauer'];

interface Person {
  id: string;
  email: string;
  name: string;
  department: Department;
  groups: string[];
  employee: boolean;
}

/** A buffered CSV file written with backpressure. */
class CsvOut {
  private buf = '';
  private readonly stream: WriteStream;
  rows = 0;
  constructor(file: string, header: string) {
    this.stream = createWriteStream(file);
    this.buf = header;
  }
  async row(line: string): Promise<void> {
    this.buf += line;
    this.rows++;
    if (this.buf.length > 1 << 20) {
      const ok = this.stream.write(this.buf);
      this.buf = '';
      if (!ok) await once(this.stream, 'drain');
    }
  }
  async close(): Promise<void> {
    this.stream.end(this.buf);
    await once(this.stream, 'finish');
  }
}

function isoDay(d: Date): string {
  return d.toISOString().slice(0, 10);
}

/** Writes the firm; resolves with what it wrote. */
export async function generateFirm(opts: FirmOptions): Promise<FirmSummary> {
  const identityCount = opts.identities ?? 20_000;
  const systems = systemsOf(opts.systems ?? 5);
  const rnd = seededRandom(opts.seed ?? 18);
  const churnRnd = seededRandom((opts.seed ?? 18) ^ 0x5eed);
  const churn = opts.churn ?? 0;
  const today = new Date(Math.floor((opts.today ?? new Date()).getTime() / DAY) * DAY);
  const dir = opts.out;
  for (const sub of ['connectors/exports', 'policies', 'reviews']) mkdirSync(join(dir, sub), { recursive: true });
  if (churn > 0) mkdirSync(join(dir, 'connectors/exports/day1'), { recursive: true });

  // People: E100000 is the CEO, the next ten head a department, the rest sit in teams of ten
  // under a team lead, who reports to the department head.
  const people: Person[] = [];
  const hr = new CsvOut(join(dir, 'connectors/exports/hr.csv'), 'id,email,display_name,department,job_title,manager,status,employment_type,contract_end,groups\n');
  const statusOf: string[] = [];
  for (let i = 0; i < identityCount; i++) {
    const id = `E${100000 + i}`;
    const name = `${FIRST[i % FIRST.length]} ${LAST[Math.floor(i / FIRST.length) % LAST.length]} ${i}`;
    const email = `${name.toLowerCase().replaceAll(' ', '.')}@example.com`;
    let department: Department;
    let title: string;
    let manager = '';
    if (i === 0) {
      department = 'Management';
      title = 'CEO';
    } else if (i <= DEPARTMENTS.length) {
      department = DEPARTMENTS[i - 1]!;
      title = `Head of ${department}`;
      manager = people[0]!.email;
    } else {
      const d = (i - 11) % DEPARTMENTS.length;
      const k = Math.floor((i - 11) / DEPARTMENTS.length);
      department = DEPARTMENTS[d]!;
      const lead = k - (k % 10);
      title = k % 10 === 0 ? 'Team Lead' : `${department} Specialist`;
      manager = k % 10 === 0 ? people[1 + d]!.email : people[11 + lead * DEPARTMENTS.length + d]!.email;
    }
    const x = rnd();
    const status = i <= DEPARTMENTS.length ? 'active' : x < 0.006 ? 'terminated' : x < 0.009 ? 'disabled' : 'active';
    const y = rnd();
    const employment = i <= DEPARTMENTS.length ? 'employee' : y < 0.05 ? 'contractor' : y < 0.06 ? 'third-party' : 'employee';
    const contractEnd = employment === 'employee' ? '' : isoDay(new Date(today.getTime() + (rnd() < 0.15 ? -(10 + Math.floor(rnd() * 200)) : 30 + Math.floor(rnd() * 400)) * DAY));
    const groups = [`${department.toLowerCase()}-staff`];
    if (department === 'Risk' && title !== `${department} Specialist`) groups.push('risk-managers');
    if (department === 'Engineering' && rnd() < 0.05) groups.push('trading-platform-admins');
    if (department === 'Security' && rnd() < 0.2) groups.push('wallet-admins');
    people.push({ id, email, name, department, groups, employee: employment === 'employee' });
    statusOf.push(status);
    await hr.row(`${id},${email},${name},${department},${title},${manager},${status},${employment},${contractEnd},${groups.join(';')}\n`);
  }
  await hr.close();
  if (churn > 0) copyFileSync(join(dir, 'connectors/exports/hr.csv'), join(dir, 'connectors/exports/day1/hr.csv'));

  // Grants: 99.5% held by people, 0.5% by orphaned accounts. Each person gets a quota around
  // the mean, spread over a few (system, role) pairs their department may hold (1.5% of people
  // also hold one role outside policy), one scope per grant, no duplicate rows.
  const orphanGrants = Math.floor(opts.grants * 0.005);
  const humanGrants = opts.grants - orphanGrants;
  const weights = people.map(() => 0.5 + rnd());
  const totalWeight = weights.reduce((a, b) => a + b, 0);
  const mean = humanGrants / identityCount;
  const scopeCount = Math.max(50, Math.ceil(mean * 1.6));
  const allowed = new Map<Department, { s: number; r: number }[]>();
  for (const d of DEPARTMENTS) {
    allowed.set(d, systems.flatMap((sys, s) => sys.roles.map((role, r) => ({ s, r, role })).filter((x) => x.role.departments.includes(d)).map(({ s, r }) => ({ s, r }))));
  }
  const day0 = systems.map((s) => new CsvOut(join(dir, `connectors/exports/${s.id}.csv`), GRANT_HEADER));
  const day1 = churn > 0 ? systems.map((s) => new CsvOut(join(dir, `connectors/exports/day1/${s.id}.csv`), GRANT_HEADER)) : null;
  const recent = (d: number): string => new Date(today.getTime() - d * DAY - 3_600_000 * 9).toISOString().slice(0, 19) + 'Z';
  const emit = async (s: number, line: (name: string) => string, name: string): Promise<void> => {
    await day0[s]!.row(line(name));
    if (!day1) return;
    const c = churnRnd();
    if (c < churn / 3) return; // removed by day 1
    await day1[s]!.row(line(c < (2 * churn) / 3 ? `${name} (renamed)` : name));
    if (c > 1 - churn / 3) await day1[s]!.row(line(name).replace(/^([^,]*),([^,]*),([^,]*),([^,]*),/, '$1,$2,$3,$4-new,'));
  };
  let cumulative = 0;
  let assigned = 0;
  for (let i = 0; i < identityCount; i++) {
    const p = people[i]!;
    cumulative += weights[i]!;
    const quota = Math.round((humanGrants * cumulative) / totalWeight) - assigned;
    assigned += quota;
    const own = allowed.get(p.department)!;
    const pairs: { s: number; r: number }[] = [];
    const want = Math.min(own.length, Math.max(Math.ceil(quota / scopeCount), 2 + Math.floor(rnd() * 4)));
    const offset = Math.floor(rnd() * own.length);
    for (let k = 0; k < want; k++) pairs.push(own[(offset + k) % own.length]!);
    const z = rnd();
    if (z < 0.015) {
      // One role outside policy (not-allowed), or a role the policy does not know (unknown-role).
      const s = Math.floor(rnd() * systems.length);
      const r = Math.floor(rnd() * systems[s]!.roles.length);
      if (!pairs.some((x) => x.s === s && x.r === r)) pairs.push({ s, r: z < 0.0015 ? -1 : r });
    }
    const dormant = systems.map(() => rnd() < 0.025);
    let left = quota;
    for (let k = 0; k < pairs.length && left > 0; k++) {
      const { s, r } = pairs[k]!;
      const sys = systems[s]!;
      const role = r < 0 ? 'LEGACY_SUPERUSER' : sys.roles[r]!.name;
      const count = Math.min(scopeCount, k === pairs.length - 1 ? left : Math.max(1, Math.round(left / (pairs.length - k))));
      left -= count;
      const start = Math.floor(rnd() * scopeCount);
      const activity = dormant[s] ? recent(120 + Math.floor(rnd() * 300)) : recent(Math.floor(rnd() * 20));
      const account = `${sys.prefix}-${100000 + i}`;
      for (let j = 0; j < count; j++) {
        const scope = `${sys.scopeWord}-${(start + j) % scopeCount}`;
        await emit(s, (name) => `${account},${p.email},${role},${scope},active,${activity},${name},human\n`, p.name);
      }
    }
    if (left > 0) assigned -= left; // quotas beyond a person's capacity move to the next person
  }
  // Orphaned accounts: no identity column, or an email nobody in HR has.
  for (let k = 0; k < orphanGrants + (humanGrants - assigned); k++) {
    const s = k % systems.length;
    const sys = systems[s]!;
    const account = `${sys.prefix}-orphan-${Math.floor(k / 4)}`;
    const owner = k % 8 < 4 ? '' : `former.employee${Math.floor(k / 4)}@example.com`;
    await emit(s, (name) => `${account},${owner},${sys.roles[0]!.name},${sys.scopeWord}-${k % 4},active,${recent(200)},${name},human\n`, `Former account ${k}`);
  }
  for (const f of [...day0, ...(day1 ?? [])]) await f.close();

  writeConfig(dir, systems);
  const grants = day0.reduce((a, f) => a + f.rows, 0);
  return { dir, identities: identityCount, systems: systems.map((s) => s.id), grants, grantsDay1: day1 ? day1.reduce((a, f) => a + f.rows, 0) : null, reviewId: REVIEW_ID };
}

/** Copies day N's exports (0: as generated, 1: churned) to where the connectors read them. */
export function useDay(dir: string, day: 0 | 1): void {
  if (day === 0) throw new Error('day 0 exports are written in place; regenerate the firm to go back');
  const from = join(dir, 'connectors/exports/day1');
  for (const f of readdirSync(from)) copyFileSync(join(from, f), join(dir, 'connectors/exports', f));
}

function writeConfig(dir: string, systems: readonly SystemModel[]): void {
  const w = (file: string, text: string): void => writeFileSync(join(dir, file), text);
  w('connectors/hr.yaml', [
    '# Generated benchmark firm (bench/firm/generate-firm.ts): the HR export is the identity source.',
    'id: hr', 'name: HR export', 'kind: directory', 'criticality: important', 'owner: anna.frick.0@example.com',
    'schedule: { cron: "0 5 * * *", timezone: UTC }', 'connector:', '  type: csv-identities', '  path: exports/hr.csv', '',
  ].join('\n'));
  for (const s of systems) {
    w(`connectors/${s.id}.yaml`, [
      `id: ${s.id}`, `name: ${s.name}`, `kind: ${s.kind}`, `criticality: ${s.criticality}`, 'owner: anna.frick.0@example.com',
      'schedule: { cron: "0 */6 * * *", timezone: UTC }', 'connector:', '  type: csv', `  path: exports/${s.id}.csv`, '',
    ].join('\n'));
    const roles = s.roles.flatMap((r) => [
      `  ${r.name}:`,
      ...(r.privileged ? ['    privileged: true'] : []),
      ...(r.maxHolders ? [`    maxHolders: ${r.maxHolders}`] : []),
      '    allowedFor:',
      `      - department: [${r.departments.join(', ')}]`,
      ...(r.group ? [`      - group: ${r.group}`, '        employmentType: employee'] : []),
    ]);
    w(`policies/${s.id}.yaml`, [`system: ${s.id}`, 'unknownRoles: flag', 'roles:', ...roles, ''].join('\n'));
  }
  w('policies/global.yaml', [
    'dormantAfterDays: 90', 'leaverGraceDays: 1', 'reviewCadenceMonths:', '  critical: 6', '  important: 12', '  standard: 12', 'maxRemovalShare: 0.1', '',
  ].join('\n'));
  const ids = new Set(systems.map((s) => s.id));
  const rules = SOD_PAIRS.filter((p) => p.roles.every((r) => ids.has(r.split(':')[0]!))).flatMap((p) => [
    `  - id: ${p.id}`, `    description: ${p.roles.join(' and ')} are separate duties.`, `    severity: ${p.severity}`, `    roles: [${p.roles.join(', ')}]`,
  ]);
  w('policies/separation-of-duties.yaml', rules.length > 0 ? ['rules:', ...rules, ''].join('\n') : 'rules: []\n');
  w(`reviews/${REVIEW_ID}.yaml`, [
    `id: ${REVIEW_ID}`, 'name: Yearly access review (all systems)', 'schedule: { cron: "0 8 1 10 *", timezone: UTC }', 'period: year',
    'scope:', '  criticality: [critical, important, standard]', 'reviewers: [manager]', 'dueInDays: 30', 'reminders: { everyDays: 7 }',
    'escalation: { channel: "#access-reviews", afterDueDays: 5 }', 'requireJustification: [revoke]', '',
  ].join('\n'));
  w('reviews/roles.yaml', [
    // E100009 heads Security (see the hierarchy above).
    'securityTeam:', '  - martin.frick.9@example.com', '  - anna.frick.0@example.com', 'auditors:', '  - lukas.frick.1@example.com', 'fallbackReviewer: martin.frick.9@example.com', '',
  ].join('\n'));
}

function argOf(args: readonly string[], name: string): string | undefined {
  const i = args.indexOf(name);
  return i >= 0 ? args[i + 1] : undefined;
}

if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const args = process.argv.slice(2);
  const out = argOf(args, '--out');
  if (!out) {
    console.error('usage: generate-firm.ts --out DIR --grants N [--identities N] [--systems N] [--seed N] [--churn 0.01]');
    process.exit(2);
  }
  const num = (name: string): number | undefined => (argOf(args, name) === undefined ? undefined : Number(argOf(args, name)));
  const summary = await generateFirm({ out, grants: num('--grants') ?? 1_000_000, identities: num('--identities'), systems: num('--systems'), seed: num('--seed'), churn: num('--churn') });
  console.log(JSON.stringify(summary));
}
