/**
 * The store's connection, without a server: its options, the replica-set check, and that an
 * operation without a live connection fails at once (bufferCommands off) instead of hanging.
 * An unreachable server is 127.0.0.1:1, which refuses connections immediately.
 */
import mongoose from 'mongoose';
import { afterAll, describe, expect, it } from 'vitest';
import { pendingForReviewerFilter, pendingItemsPageFilter } from '../../src/store/mongo/campaign-queries.js';
import { operator } from '../../src/store/mongo/filter-value.js';
import { unseenFindingsFilter } from '../../src/store/mongo/finding-queries.js';
import { appendKeyFilter, ledgerQueryFilter, seqRangeFilter, storedAppendFilter } from '../../src/store/mongo/ledger-queries.js';
import { lastCompletedFilter } from '../../src/store/mongo/scheduler-queries.js';
import { unlistedUsersFilter } from '../../src/store/mongo/slack-user-queries.js';
import { inSnapshots, supersededFilter } from '../../src/store/mongo/snapshot-queries.js';
import {
  createMongoConnection,
  DEFAULT_DB_NAME,
  mongoConnectionOptions,
  supportsTransactions,
  uriDatabase,
} from '../../src/store/mongo/mongo-connection.js';
import { createModels } from '../../src/store/mongo/mongo-models.js';
import { openMongoStore } from '../../src/store/mongo/mongo-store.js';
import { connectionCause, unreachableMessage, uriHosts } from '../../src/store/mongo/unreachable-error.js';

const UNREACHABLE = 'mongodb://iam:s3cret-pw@127.0.0.1:1/iam?replicaSet=rs0';

describe('connection options', () => {
  it('fail fast, strict filters, durable writes, reads from the primary', () => {
    expect(mongoConnectionOptions('mongodb://db.internal/iam')).toEqual({
      dbName: 'iam',
      appName: 'iam-review',
      bufferCommands: false,
      autoIndex: false,
      autoCreate: false,
      sanitizeFilter: true,
      writeConcern: { w: 'majority', journal: true },
      readPreference: 'primary',
      retryWrites: true,
      retryReads: true,
    });
    expect(mongoConnectionOptions('mongodb://h/', { serverSelectionTimeoutMS: 500 }).serverSelectionTimeoutMS).toBe(500);
  });

  it('returns a fresh object each time (mongoose consumes the one it is given)', () => {
    const a = mongoConnectionOptions('mongodb://h/x');
    expect(mongoConnectionOptions('mongodb://h/x')).not.toBe(a);
  });

  it('names the database: the option, else the URI, else iam_review (never the driver default "test")', () => {
    expect(mongoConnectionOptions('mongodb://h/from-uri', { dbName: 'given' }).dbName).toBe('given');
    expect(mongoConnectionOptions('mongodb://h/from-uri').dbName).toBe('from-uri');
    expect(mongoConnectionOptions('mongodb+srv://cluster0.example.net/?retryWrites=true').dbName).toBe(DEFAULT_DB_NAME);
  });

  it.each([
    ['mongodb://h/db', 'db'],
    ['mongodb://u:p%2Fw@h1:27017,h2:27017/iam_prod?replicaSet=rs0&authSource=admin', 'iam_prod'],
    ['mongodb+srv://cluster0.example.net/reviews', 'reviews'],
    ['mongodb://h/my%20db', 'my db'],
    ['mongodb://h', null],
    ['mongodb://h/', null],
    ['mongodb://h/?replicaSet=rs0', null],
  ])('uriDatabase(%s) = %s', (uri, name) => {
    expect(uriDatabase(uri)).toBe(name);
  });

  it('transactions need a replica set member or a mongos', () => {
    expect(supportsTransactions({ setName: 'rs0', isWritablePrimary: true })).toBe(true);
    expect(supportsTransactions({ msg: 'isdbgrid' })).toBe(true);
    expect(supportsTransactions({ isWritablePrimary: true })).toBe(false);
  });
});

describe('an unopened connection', () => {
  const connection = createMongoConnection(UNREACHABLE, { serverSelectionTimeoutMS: 300 });
  const settled = connection.asPromise().then(
    () => null,
    (error: unknown) => error,
  );
  const models = createModels(connection);

  afterAll(async () => {
    await settled;
    await connection.close();
  });

  it('carries the adapter settings', () => {
    expect(connection.get('bufferCommands')).toBe(false);
    expect(connection.get('sanitizeFilter')).toBe(true);
    expect(connection.get('autoIndex')).toBe(false);
    expect(connection.get('autoCreate')).toBe(false);
  });

  it('rejects an operation at once instead of buffering it (bufferCommands off)', async () => {
    // A buffered operation would fail only after mongoose's bufferTimeoutMS, with "buffering timed out".
    await expect(models.kv.findOne({ _id: 'k' }).lean()).rejects.toThrow(/bufferCommands = false/);
    await expect(models.campaigns.updateOne({ _id: 'c', state: 'open' }, { $set: { state: 'closed' } })).rejects.toThrow(/bufferCommands = false/);
  });

  it('sanitizeFilter: an injected operator is matched as a value (and fails casting), a marked one goes through', async () => {
    const injected = { $ne: null } as unknown as string;
    await expect(models.kv.findOne({ _id: injected }).lean()).rejects.toThrow(/Cast to string failed/);
    await expect(models.kv.find({ _id: operator({ $in: ['a', 'b'] }) }).lean()).rejects.toThrow(/bufferCommands = false/);
  });

  it("the adapter's filters pass sanitizeFilter and casting on every kind of operation (only the missing server stops them)", async () => {
    const T = '2026-01-05T08:00:00.000Z';
    const attempts: Promise<unknown>[] = [
      models.reviewItems.find(pendingForReviewerFilter('mgr-1', ['c1', 'c2'])).lean(),
      models.reviewItems.find(pendingItemsPageFilter('c1', 'i-1')).lean(),
      models.snapshots.find(supersededFilter({ id: 'v4', systemId: 'vault', startedAt: T })).lean(),
      models.grants.deleteMany(inSnapshots(['v1', 'v2'])),
      models.grants.countDocuments(inSnapshots(['v1'])),
      models.findings.updateMany(unseenFindingsFilter({ id: 'e2', systemIds: ['vault'] }), { $set: { resolvedAt: T } }),
      models.schedulerRuns.findOne(lastCompletedFilter('reminders')).lean(),
      models.slackUsers.deleteMany(unlistedUsersFilter('gen-2')),
      models.ledgerEvents.find(seqRangeFilter(1, 10, 4)).lean(),
      models.ledgerEvents.findOne(appendKeyFilter('c'.repeat(64)), { _id: 1 }).lean(),
      models.ledgerEvents.find(storedAppendFilter(5, 3)).sort({ _id: 1 }).lean(),
      models.ledgerEvents.find(ledgerQueryFilter({ since: T, until: T, type: 'campaign.', subject: 's' })).lean(),
      models.reviewItems.distinct('campaignId', { systemId: 'vault' }),
    ];
    for (const attempt of attempts) await expect(attempt).rejects.toThrow(/bufferCommands = false/);
  });

  it('the ledger refuses updates and deletes before anything is sent', async () => {
    await expect(models.ledgerEvents.updateOne({ _id: 1 }, { $set: { actor: 'mallory' } })).rejects.toThrow(/append-only/);
    await expect(models.ledgerEvents.deleteMany({})).rejects.toThrow(/append-only/);
    await expect(models.ledgerEvents.findOneAndUpdate({ _id: 1 }, { $set: { actor: 'mallory' } })).rejects.toThrow(/append-only/);
    await expect(models.ledgerEvents.bulkWrite([{ deleteOne: { filter: { _id: 1 } } }])).rejects.toThrow(/append-only/);
  });
});

describe('openMongoStore', () => {
  it('fails at the end of server selection when no server answers, without echoing the URI secret', async () => {
    // The timeout given reaches the driver (see mongoConnectionOptions above); the default 30 s
    // would outlast the test's own limit.
    const error = await openMongoStore({ uri: UNREACHABLE, serverSelectionTimeoutMS: 300 }).then(
      () => null,
      (e: unknown) => e as Error,
    );
    expect(error).toBeInstanceOf(Error);
    expect((error?.cause as Error | undefined)?.name).toBe('MongooseServerSelectionError');
    expect(error?.message).toBe('cannot reach MongoDB at 127.0.0.1:1: connection refused');
    expect(String(error?.message)).not.toContain('s3cret-pw');
  });

  it('leaves mongoose global state alone (a dedicated connection per store)', () => {
    expect(mongoose.connection.readyState).toBe(mongoose.ConnectionStates.disconnected);
  });
});

describe('an unreachable server, in words (unreachable-error.ts)', () => {
  /** A driver error as the socket layer raises it: a MongoNetworkError whose cause carries the code. */
  function networkError(code: string, message: string): Error {
    const error = new Error(message, { cause: Object.assign(new Error(message), { code }) });
    error.name = 'MongoNetworkError';
    return error;
  }

  /** A server selection error as the driver raises it: the topology's servers, each with its last error. */
  function selectionError(servers: [string, Error | null][]): Error {
    return Object.assign(new Error(servers[0]?.[1]?.message ?? 'Server selection timed out after 300 ms'), {
      name: 'MongooseServerSelectionError',
      reason: { servers: new Map(servers.map(([host, error]) => [host, { error }])) },
    });
  }

  it.each([
    ['mongodb://iam:s3cret@db:27017/iam?replicaSet=rs0', 'db:27017'],
    ['mongodb://u:p%40w@h1:27017,h2:27018/iam_prod?authSource=admin', 'h1:27017,h2:27018'],
    ['mongodb+srv://iam:s3cret@cluster0.example.net/reviews', 'cluster0.example.net'],
    ['mongodb://db', 'db'],
    // An unescaped '/' or '@' in a password: the credentials still never show.
    ['mongodb://iam:pa/ss@db:27017/iam', 'db:27017'],
    ['mongodb://iam:p@ss@db:27017', 'db:27017'],
    ['not a uri: iam:s3cret', 'the configured server'],
  ])('uriHosts(%s) = %s', (uri, hosts) => {
    expect(uriHosts(uri)).toBe(hosts);
  });

  it.each([
    ['ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:27017', 'connection refused'],
    ['ENOTFOUND', 'getaddrinfo ENOTFOUND db', 'host not found (DNS)'],
    ['ETIMEDOUT', 'connect ETIMEDOUT 10.0.0.5:27017', 'connection timed out'],
    ['EHOSTUNREACH', 'connect EHOSTUNREACH 10.0.0.5:27017', 'host unreachable'],
  ])('a socket error %s reads as "%s"', (code, message, words) => {
    expect(connectionCause(networkError(code, message))).toBe(words);
  });

  it('authentication, TLS and unknown causes; a URI inside a message is removed', () => {
    expect(connectionCause(Object.assign(new Error('Authentication failed.'), { code: 18 }))).toBe('authentication failed');
    expect(connectionCause(new Error('unable to verify the first certificate'))).toBe('TLS: unable to verify the first certificate');
    expect(connectionCause(new Error('bad option in mongodb://iam:s3cret@db/x ok'))).toBe('bad option in <uri> ok');
    expect(connectionCause('?')).toBe('unknown error');
  });

  it('names each server tried with its cause, else the URI hosts with the error itself', () => {
    const uri = 'mongodb://iam:s3cret@db:27017,db2:27017/iam?replicaSet=rs0';
    expect(unreachableMessage(uri, selectionError([['db:27017', networkError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:27017')]]))).toBe(
      'cannot reach MongoDB at db:27017: connection refused',
    );
    expect(
      unreachableMessage(
        uri,
        selectionError([
          ['db:27017', networkError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:27017')],
          ['db2:27017', networkError('ENOTFOUND', 'getaddrinfo ENOTFOUND db2')],
          ['db3:27017', null],
        ]),
      ),
    ).toBe('cannot reach MongoDB at db:27017: connection refused; at db2:27017: host not found (DNS)');
    expect(unreachableMessage(uri, selectionError([['db:27017', null]]))).toBe('cannot reach MongoDB at db:27017,db2:27017: Server selection timed out after 300 ms');
    expect(unreachableMessage('mongodb+srv://iam:s3cret@cluster0.example.net/x', networkError('ENOTFOUND', 'querySrv ENOTFOUND _mongodb._tcp.cluster0.example.net'))).toBe(
      'cannot reach MongoDB at cluster0.example.net: host not found (DNS)',
    );
  });
});
