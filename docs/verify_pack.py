#!/usr/bin/env python3
"""Checks an iam-review evidence pack with nothing but Python's standard library.

An independent implementation of the recipe in docs/evidence.md (written from that page, not
from iam-review's code): manifest.json's canonical form and seal, every file's SHA-256 and size,
and events.csv re-chained from its first prev_hash. The Ed25519 signature is not checked here
(the standard library has no Ed25519): docs/evidence.md shows the openssl commands.

Usage: python3 verify_pack.py DIR
Exit: 0 verified, 2 DIR is not a pack, 4 a check failed (each problem names its file).
"""
import csv
import hashlib
import json
import os
import sys


def canonical(value):
    # RFC 8785 for the manifest's values (ASCII keys, strings, integers, booleans, null).
    return json.dumps(value, sort_keys=True, separators=(',', ':'), ensure_ascii=False)


def q(s):
    return json.dumps(s, ensure_ascii=False)


def unescape(field):
    return field[1:] if field.startswith("'") else field


def sha256_file(path):
    h = hashlib.sha256()
    size = 0
    with open(path, 'rb') as f:
        for chunk in iter(lambda: f.read(1 << 20), b''):
            h.update(chunk)
            size += len(chunk)
    return h.hexdigest(), size


def check_manifest(text, manifest):
    problems = []
    if canonical(manifest) + '\n' != text:
        problems.append('manifest.json: not in canonical form (modified)')
    body = {k: v for k, v in manifest.items() if k != 'seal'}
    digest = hashlib.sha256(canonical(body).encode('utf-8')).hexdigest()
    if digest != manifest.get('seal', {}).get('bodySha256'):
        problems.append('manifest.json: body SHA-256 %s does not match its seal' % digest)
    return problems


def check_files(folder, manifest):
    problems = []
    listed = {'manifest.json'}
    for f in manifest['files']:
        listed.add(f['name'])
        path = os.path.join(folder, f['name'])
        if not os.path.isfile(path):
            problems.append('%s: missing' % f['name'])
            continue
        if sha256_file(path) != (f['sha256'], f['bytes']):
            problems.append('%s: modified (SHA-256 or size differs from the manifest)' % f['name'])
    for name in sorted(os.listdir(folder)):
        if name not in listed:
            problems.append('%s: not listed in the manifest' % name)
    return problems


def check_events(path, manifest):
    ledger = manifest['ledger']
    prev, n, full = None, 0, 0
    with open(path, newline='', encoding='utf-8') as f:
        reader = csv.DictReader(f)
        if reader.fieldnames != ['seq', 'at', 'type', 'actor', 'subject', 'prev_hash', 'hash', 'data']:
            return ['events.csv: unexpected header %s' % reader.fieldnames]
        for raw in reader:
            n += 1
            r = {k: (v if k == 'seq' else unescape(v)) for k, v in raw.items()}
            if not r['seq'].isdigit():
                return ['events.csv: row %d: seq %r is not a number' % (n, r['seq'])]
            seq = int(r['seq'])
            where = 'events.csv: row %d (seq %d)' % (n, seq)
            if prev is None:
                if seq != ledger['fromSeq']:
                    return ['%s: the first seq is not the manifest\'s fromSeq %d' % (where, ledger['fromSeq'])]
                if seq == 1 and r['prev_hash'] != '0' * 64:
                    return ['%s: the first event must follow the genesis hash' % where]
            elif seq != prev[0] + 1 or r['prev_hash'] != prev[1]:
                return ['%s: does not link to the row before (removed, inserted, re-ordered or changed)' % where]
            if r['type']:
                full += 1
                body = '{"actor":%s,"at":%s,"data":%s,"seq":%d,"subject":%s,"type":%s}' % (
                    q(r['actor']), q(r['at']), r['data'], seq, q(r['subject']), q(r['type']))
                digest = hashlib.sha256((body + r['prev_hash']).encode('utf-8')).hexdigest()
                if not manifest['pseudonymized'] and digest != r['hash']:
                    return ['%s: its fields do not give its hash (modified)' % where]
            elif any(r[k] for k in ('at', 'actor', 'subject', 'data')):
                return ['%s: a link-only row carries content' % where]
            prev = (seq, r['hash'])
    if (n, full) != (ledger['events'], ledger['fullEvents']):
        return ['events.csv: %d rows (%d full), the manifest says %d (%d)' % (n, full, ledger['events'], ledger['fullEvents'])]
    if n > 0 and prev != (ledger['toSeq'], ledger['toHash']):
        return ['events.csv: the last row is not the manifest\'s toSeq/toHash']
    return []


def main(argv):
    if len(argv) != 2:
        print('usage: python3 verify_pack.py DIR')
        return 2
    folder = argv[1]
    manifest_path = os.path.join(folder, 'manifest.json')
    if not os.path.isdir(folder) or not os.path.isfile(manifest_path):
        print('%s is not an evidence pack (no folder or no manifest.json)' % folder)
        return 2
    with open(manifest_path, encoding='utf-8', newline='') as f:
        text = f.read()
    try:
        manifest = json.loads(text)
        problems = check_manifest(text, manifest) + check_files(folder, manifest)
        if any(f['name'] == 'events.csv' for f in manifest['files']) and os.path.isfile(os.path.join(folder, 'events.csv')):
            problems += check_events(os.path.join(folder, 'events.csv'), manifest)
        signature = manifest['seal']['signature']
    except (ValueError, KeyError, TypeError) as error:
        problems, signature = ['manifest.json: not a valid manifest (%s)' % error], None
    for p in problems:
        print('FAIL  ' + p)
    if signature == 'unsigned':
        print('Signature: unsigned')
    elif signature:
        print('Signature: Ed25519, key id %s (not checked here: see docs/evidence.md for openssl)' % signature['keyId'])
    print('Evidence pack verified.' if not problems else 'Evidence pack NOT verified: %d problem(s).' % len(problems))
    return 0 if not problems else 4


if __name__ == '__main__':
    sys.exit(main(sys.argv))
