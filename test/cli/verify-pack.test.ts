/**
 * `audit verify-pack` (and `verify-export --offline`): a pack written by the real `export`,
 * copied into an empty folder of "another machine" (no database), checked with the folder
 * alone; every one-byte change and a re-ordered events.csv row fail naming the file; signed
 * packs and checkpoints with IAM_REVIEW_SIGNING_KEY. The same packs go through
 * docs/verify_pack.py, the recipe of docs/evidence.md written independently in Python.
 */
import { createHash, generateKeyPairSync } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openApp } from '../../src/app.js';
import type { EvidenceManifest } from '../../src/audit/evidence-manifest.js';
import { manifestText, sealManifest } from '../../src/audit/manifest-seal.js';
import { run } from '../../src/cli.js';
import { openSqliteStore } from '../../src/store/sqlite/sqlite-store.js';
import { captureIo } from '../helpers/capture-io.js';
import { seedReviewedCampaign, TestClock } from '../audit/evidence-fixture.js';

const REPO = resolve(import.meta.dirname, '../..');
const SCRIPT = join(REPO, 'docs', 'verify_pack.py');
const root = mkdtempSync(join(tmpdir(), 'iam-verify-pack-'));
let n = 0;
afterAll(() => rmSync(root, { recursive: true, force: true }));
const CAMPAIGN = 'quarterly-critical:2026-Q4';
const HAS_PYTHON = spawnSync('python3', ['--version']).status === 0;

function keyPair(name: string): { privateFile: string; publicFile: string; privatePem: string } {
  const { privateKey, publicKey } = generateKeyPairSync('ed25519');
  const privatePem = privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
  const privateFile = join(root, `${name}.pem`);
  const publicFile = join(root, `${name}.pub.pem`);
  writeFileSync(privateFile, privatePem);
  writeFileSync(publicFile, publicKey.export({ type: 'spki', format: 'pem' }).toString());
  return { privateFile, publicFile, privatePem };
}

/** A fresh copy of a pack in a new empty folder, as an auditor receives it. */
function copyOf(pack: string): string {
  const dir = join(root, `copy-${++n}`);
  cpSync(pack, dir, { recursive: true });
  return dir;
}

function python(dir: string): { code: number | null; out: string } {
  const r = spawnSync('python3', [SCRIPT, dir], { encoding: 'utf8' });
  return { code: r.status, out: r.stdout + r.stderr };
}

describe('iam-review audit verify-pack', () => {
  const clock = new TestClock();
  let dataDir: string;
  let unsigned: string;
  let signed: string;
  const firm = keyPair('firm');
  const other = keyPair('other');
  /** A data folder of "another machine": empty. */
  const elsewhere = join(root, 'elsewhere-data');

  async function cli(args: string[], env: Record<string, string> = {}) {
    const io = captureIo();
    const code = await run(['node', 'iam-review', ...args], {
      io, env: { IAM_REVIEW_CONFIG_DIR: REPO, IAM_REVIEW_DATA_DIR: dataDir, LOG_LEVEL: 'silent', ...env }, cwd: REPO,
      // As the real CLI opens it (read-only for audit reads), on the test's clock.
      openApp: (e, o) => openApp(e, { ...o, now: clock.now }),
    });
    return { code, out: io.stdout(), err: io.stderr() };
  }
  /** The CLI on the auditor's machine: its data folder is empty. */
  const offline = (args: string[], env: Record<string, string> = {}) => cli(args, { IAM_REVIEW_DATA_DIR: elsewhere, ...env });

  beforeAll(async () => {
    dataDir = join(root, 'data');
    const store = openSqliteStore({ file: join(dataDir, 'iam-review.db') });
    await seedReviewedCampaign(store, clock);
    await store.close();
    clock.at(30);
    unsigned = join(root, 'unsigned');
    signed = join(root, 'signed');
    expect((await cli(['export', '--campaign', CAMPAIGN, '--out', unsigned, '--as', 'auditor@firm.li'])).code).toBe(0);
    expect((await cli(['export', '--campaign', CAMPAIGN, '--out', signed, '--as', 'auditor@firm.li'], { IAM_REVIEW_SIGNING_KEY: firm.privateFile })).code).toBe(0);
    mkdirSync(elsewhere);
  });

  it('a pack copied into an empty folder verifies with no database, and none is created', async () => {
    const dir = copyOf(unsigned);
    const r = await offline(['audit', 'verify-pack', dir]);
    expect(r.code).toBe(0);
    expect(r.out).toMatch(/^ok {4}manifest\.json: body SHA-256 [0-9a-f]{64} matches its seal$/m);
    expect(r.out).toMatch(/^ok {4}events\.csv: chain intact from seq \d+ \(prev_hash [0-9a-f]{64}\) to seq \d+: \d+ rows, 0 link-only; \d+ full rows' hashes recomputed$/m);
    expect(r.out).toMatch(/^Signature: unsigned\nEvidence pack verified offline\.$/m);
    const alias = await offline(['audit', 'verify-export', dir, '--offline', '--json']);
    expect(alias.code).toBe(0);
    expect(JSON.parse(alias.out)).toMatchObject({ ok: true, signature: 'unsigned', problems: [] });
    expect(readdirSync(elsewhere)).toEqual([]);
    // The manifest says it plainly too.
    expect((JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EvidenceManifest).seal.signature).toBe('unsigned');
  });

  it('a one-byte change in any file fails, naming that file (exit 4)', async () => {
    const names = readdirSync(unsigned).sort();
    expect(names).toEqual(['decisions.csv', 'decisions.json', 'events.csv', 'findings.csv', 'manifest.json', 'remediations.csv', 'report.html']);
    for (const name of names) {
      for (const where of [0.5, 0.9]) {
        const dir = copyOf(unsigned);
        const bytes = readFileSync(join(dir, name));
        const at = Math.floor(bytes.length * where);
        bytes[at] = bytes[at]! === 0x41 ? 0x42 : 0x41;
        writeFileSync(join(dir, name), bytes);
        const r = await offline(['audit', 'verify-pack', dir]);
        expect(r.code, `${name} changed at byte ${at}`).toBe(4);
        expect(r.out, name).toMatch(new RegExp(`^FAIL {2}${name.replace('.', '\\.')}[: ]`, 'm'));
        expect(r.err).toMatch(/failed verification/);
        if (HAS_PYTHON) expect(python(dir), `python: ${name}`).toMatchObject({ code: 4, out: expect.stringContaining(`FAIL  ${name}`) });
      }
    }
  });

  it('a re-ordered events.csv row fails, naming events.csv and the row', async () => {
    const dir = copyOf(unsigned);
    const lines = readFileSync(join(dir, 'events.csv'), 'utf8').split('\n');
    [lines[3], lines[4]] = [lines[4]!, lines[3]!];
    writeFileSync(join(dir, 'events.csv'), lines.join('\n'));
    const r = await offline(['audit', 'verify-pack', dir]);
    expect(r.code).toBe(4);
    const fromSeq = (JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EvidenceManifest).ledger.fromSeq;
    expect(r.out).toContain(`FAIL  events.csv: row 3 (seq ${fromSeq + 3}): follows seq ${fromSeq + 1} (rows removed, added or re-ordered)`);
    if (HAS_PYTHON) expect(python(dir)).toMatchObject({ code: 4, out: expect.stringContaining(`FAIL  events.csv: row 3 (seq ${fromSeq + 3})`) });
  });

  it('a manifest reformatted, or changed under its seal, fails naming manifest.json', async () => {
    const pretty = copyOf(unsigned);
    const m = JSON.parse(readFileSync(join(pretty, 'manifest.json'), 'utf8')) as EvidenceManifest;
    writeFileSync(join(pretty, 'manifest.json'), JSON.stringify(m, null, 2) + '\n');
    const r = await offline(['audit', 'verify-pack', pretty]);
    expect(r.code).toBe(4);
    expect(r.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual(['FAIL  manifest.json: not the canonical JSON iam-review writes (modified after the export)']);
    if (HAS_PYTHON) expect(python(pretty)).toMatchObject({ code: 4, out: expect.stringContaining('FAIL  manifest.json: not in canonical form') });

    const changed = copyOf(unsigned);
    writeFileSync(join(changed, 'manifest.json'), manifestText({ ...m, exportedBy: 'someone-else@firm.li' }));
    const c = await offline(['audit', 'verify-pack', changed]);
    expect(c.code).toBe(4);
    expect(c.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([expect.stringMatching(/^FAIL {2}manifest\.json: modified \(its body's SHA-256 is [0-9a-f]{64}, its seal says [0-9a-f]{64}\)$/)]);
    if (HAS_PYTHON) expect(python(changed)).toMatchObject({ code: 4, out: expect.stringContaining('FAIL  manifest.json: body SHA-256') });
  });

  it('a forger who changes an event and re-seals an unsigned manifest is still caught by the event hashes', async () => {
    const dir = copyOf(unsigned);
    const file = join(dir, 'events.csv');
    writeFileSync(file, readFileSync(file, 'utf8').replace('Unowned service account, nobody claims it.', 'Unowned service account, nobody claims it!'));
    const m = JSON.parse(readFileSync(join(dir, 'manifest.json'), 'utf8')) as EvidenceManifest;
    const bytes = readFileSync(file);
    const files = m.files.map((f) => (f.name === 'events.csv' ? { ...f, sha256: createHash('sha256').update(bytes).digest('hex'), bytes: bytes.length } : f));
    writeFileSync(join(dir, 'manifest.json'), sealManifest({ ...m, files }, null).text);
    const r = await offline(['audit', 'verify-pack', dir]);
    expect(r.code).toBe(4);
    expect(r.out.split('\n').filter((l) => l.startsWith('FAIL'))).toEqual([expect.stringMatching(/^FAIL {2}events\.csv: row \d+ \(seq \d+\): its fields do not give its hash \(modified\)$/)]);
    if (HAS_PYTHON) expect(python(dir)).toMatchObject({ code: 4, out: expect.stringMatching(/^FAIL {2}events\.csv: row \d+ \(seq \d+\): its fields do not give its hash \(modified\)$/m) });
  });

  it('a path that is not a pack exits 2, not 4', async () => {
    const empty = join(root, `empty-${++n}`);
    mkdirSync(empty);
    for (const [dir, said] of [[join(root, 'no-such-folder'), /does not exist/], [empty, /holds no manifest\.json: not an evidence pack/], [join(unsigned, 'events.csv'), /is not a folder/]] as const) {
      for (const cmd of [['audit', 'verify-pack', dir], ['audit', 'verify-export', dir, '--offline'], ['audit', 'verify-export', dir]]) {
        const r = await offline(cmd);
        expect(r.code, cmd.join(' ')).toBe(2);
        expect(r.err).toMatch(said);
      }
    }
    expect(readdirSync(elsewhere)).toEqual([]);
    // A pack written by an older iam-review is not called tampered.
    const old = copyOf(unsigned);
    const m = JSON.parse(readFileSync(join(old, 'manifest.json'), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(old, 'manifest.json'), JSON.stringify({ ...m, format: 'iam-review-evidence-pack/1' }, null, 2));
    const r = await offline(['audit', 'verify-pack', old]);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/is a pack of format iam-review-evidence-pack\/1; this iam-review reads iam-review-evidence-pack\/2: verify it with the iam-review version that wrote it/);
  });

  it('verify-export (online) with no database refuses with exit 2 and creates none', async () => {
    const missing = join(root, `never-${++n}`);
    for (const data of [elsewhere, missing]) {
      const r = await cli(['audit', 'verify-export', copyOf(unsigned)], { IAM_REVIEW_DATA_DIR: data });
      expect(r.code).toBe(2);
      expect(r.err).toMatch(/no ledger at .*iam-review\.db.*audit verify-pack/);
    }
    expect(readdirSync(elsewhere)).toEqual([]);
    expect(existsSync(missing)).toBe(false);
  });

  it.skipIf(!HAS_PYTHON)('the independent Python recipe (docs/verify_pack.py) verifies the real packs', () => {
    expect(python(copyOf(unsigned))).toEqual({ code: 0, out: 'Signature: unsigned\nEvidence pack verified.\n' });
    expect(python(copyOf(signed)).out).toMatch(/^Signature: Ed25519, key id [0-9a-f]{64} .*\nEvidence pack verified\.\n$/);
    expect(python(join(root, 'no-such-folder')).code).toBe(2);
  });

  it('a signed pack verifies with the firm\'s public key, fails with another key, and says which key signed', async () => {
    const ok = await offline(['audit', 'verify-pack', copyOf(signed), '--public-key', firm.publicFile]);
    expect(ok.code).toBe(0);
    expect(ok.out).toMatch(/^ok {4}manifest\.json: signed with the given public key \(key id ([0-9a-f]{64})\)$/m);
    const keyId = /key id ([0-9a-f]{64})/.exec(ok.out)![1]!;
    expect(ok.out).toContain(`Signature: signed, key id ${keyId}`);
    // The id is the SHA-256 of the public key's DER, as openssl prints it.
    const der = spawnSync('openssl', ['pkey', '-pubin', '-in', firm.publicFile, '-outform', 'DER']);
    if (der.status === 0) expect(keyId).toBe(createHash('sha256').update(der.stdout).digest('hex'));

    const wrong = await offline(['audit', 'verify-pack', copyOf(signed), '--public-key', other.publicFile]);
    expect(wrong.code).toBe(4);
    expect(wrong.out).toMatch(new RegExp(`FAIL {2}manifest\\.json: signature: signed with key ${keyId}, not with the given public key [0-9a-f]{64}`));
    // Without --public-key, the signature is still checked under the key it names.
    const named = await offline(['audit', 'verify-pack', copyOf(signed)]);
    expect(named.code).toBe(0);
    expect(named.out).toMatch(/signature valid under the key it names .* pass --public-key/);
    // An unsigned pack does not pass where a signature is asked for.
    const unsignedWithKey = await offline(['audit', 'verify-pack', copyOf(unsigned), '--public-key', firm.publicFile]);
    expect(unsignedWithKey.code).toBe(4);
    expect(unsignedWithKey.out).toMatch(/FAIL {2}manifest\.json: unsigned, but a public key was given/);
    // Online, the signed pack checks out against the ledger too; the export event names the key.
    expect((await cli(['audit', 'verify-export', signed, '--public-key', firm.publicFile])).code).toBe(0);
    const log = await cli(['audit', 'log', '--type', 'export.', '--json']);
    expect(log.out.split('\n').map((l) => (JSON.parse(l) as { data: { signedBy: string } }).data.signedBy)).toEqual(['unsigned', keyId]);
  });

  it('a re-signed manifest (another key) or a changed signature fails', async () => {
    const dir = copyOf(signed);
    const text = readFileSync(join(dir, 'manifest.json'), 'utf8');
    const m = JSON.parse(text) as EvidenceManifest;
    const sig = m.seal.signature as Exclude<EvidenceManifest['seal']['signature'], 'unsigned'>;
    const flipped = Buffer.from(sig.value, 'base64');
    flipped[0] = flipped[0]! ^ 1;
    writeFileSync(join(dir, 'manifest.json'), text.replace(sig.value, flipped.toString('base64')));
    const r = await offline(['audit', 'verify-pack', dir]);
    expect(r.code).toBe(4);
    expect(r.out).toMatch(/FAIL {2}manifest\.json: signature: the signature does not verify under key [0-9a-f]{64}/);
  });

  it('IAM_REVIEW_SIGNING_KEY may hold the PEM itself; a key that is not Ed25519 stops the export', async () => {
    const dir = join(root, `inline-${++n}`);
    expect((await cli(['export', '--campaign', CAMPAIGN, '--out', dir], { IAM_REVIEW_SIGNING_KEY: firm.privatePem.replaceAll('\n', '\\n') })).code).toBe(0);
    expect((await offline(['audit', 'verify-pack', dir, '--public-key', firm.publicFile])).code).toBe(0);
    const rsa = generateKeyPairSync('rsa', { modulusLength: 1024 }).privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
    const refused = join(root, `refused-${++n}`);
    const r = await cli(['export', '--campaign', CAMPAIGN, '--out', refused], { IAM_REVIEW_SIGNING_KEY: rsa });
    expect(r.code).not.toBe(0);
    expect(r.err).toMatch(/IAM_REVIEW_SIGNING_KEY is a rsa key; packs are signed with Ed25519/);
    expect(r.err).not.toContain('PRIVATE KEY');
    expect(existsSync(refused)).toBe(false);
  });

  it('audit head --sign prints a signed checkpoint that verify-checkpoint checks with the public key', async () => {
    expect((await cli(['audit', 'head', '--sign'])).code).toBe(2);
    const r = await cli(['audit', 'head', '--sign'], { IAM_REVIEW_SIGNING_KEY: firm.privateFile });
    expect(r.code).toBe(0);
    const head = (await cli(['audit', 'head'])).out;
    const signedHead = JSON.parse(r.out) as { checkpoint: { seq: number; hash: string } };
    expect(`${signedHead.checkpoint.seq}:${signedHead.checkpoint.hash}`).toBe(head);
    const file = join(root, `checkpoint-${++n}.json`);
    writeFileSync(file, r.out);
    const ok = await offline(['audit', 'verify-checkpoint', file, '--public-key', firm.publicFile]);
    expect(ok.code).toBe(0);
    expect(ok.out).toContain(`iam-review audit verify --checkpoint ${head}`);
    expect((await offline(['audit', 'verify-checkpoint', file, '--public-key', other.publicFile])).code).toBe(4);
    writeFileSync(file, JSON.stringify({ ...signedHead, checkpoint: { ...signedHead.checkpoint, seq: signedHead.checkpoint.seq + 1 } }));
    const moved = await offline(['audit', 'verify-checkpoint', file, '--public-key', firm.publicFile]);
    expect(moved.code).toBe(4);
    expect(moved.err).toMatch(/does not verify: the signature does not verify/);
  });
});
