/**
 * compose.yaml, parsed (no Docker engine runs here): the bot, MongoDB as a single-node replica
 * set and its one-shot init agree with each other and with the image.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { envSchema } from '../../src/config/env.js';
import { all, envOf, execArgs, readDockerfile } from './dockerfile.js';

interface Service {
  image?: string;
  build?: unknown;
  command?: string | string[];
  environment?: Record<string, string>;
  env_file?: Array<string | { path: string; required?: boolean }>;
  ports?: string[];
  volumes?: string[];
  read_only?: boolean;
  tmpfs?: string[];
  init?: boolean;
  restart?: string;
  healthcheck?: { test: string[] };
  depends_on?: Record<string, { condition: string }>;
}

const compose = parse(readFileSync('compose.yaml', 'utf8')) as { services: Record<string, Service>; volumes: Record<string, unknown> };
const { services } = compose;
const bot = services['iam-review']!;
const mongo = services.mongo!;
const init = services['mongo-init']!;
const image = readDockerfile('Dockerfile').stages.at(-1)!;
const words = (command: string | string[] | undefined) => (Array.isArray(command) ? command : (command ?? '').split(/\s+/));
const replSet = () => {
  const cmd = words(mongo.command);
  return cmd[cmd.indexOf('--replSet') + 1];
};

describe('compose.yaml', () => {
  it('has the bot (built from the Dockerfile), MongoDB and the one-shot replica-set init', () => {
    expect(Object.keys(services).sort()).toEqual(['iam-review', 'mongo', 'mongo-init']);
    expect(bot.build).toBe('.');
  });

  it('runs mongod as a replica set, which MongoDB transactions (the ledger rule) need', () => {
    expect(words(mongo.command)).toContain('--replSet');
    expect(replSet()).toMatch(/\S/);
  });

  it('points MONGODB_URI at the mongo service and its replica set', () => {
    const uri = new URL(bot.environment!.MONGODB_URI!);
    expect(uri.protocol).toBe('mongodb:');
    expect(uri.hostname).toBe('mongo');
    expect(uri.searchParams.get('replicaSet')).toBe(replSet());
  });

  it('initiates the replica set once, with the member the bot connects to, and waits for a primary', () => {
    const script = words(init.command).join(' ');
    expect(words(init.command)[0]).toBe('mongosh');
    expect(script).toContain(`rs.initiate({ _id: '${replSet()}'`);
    const uri = new URL(bot.environment!.MONGODB_URI!);
    expect(script).toContain(`host: '${uri.host}'`);
    expect(script).toMatch(/catch \(e\) \{[^}]*NotYetInitialized/);
    expect(script).toContain('isWritablePrimary');
    expect(init.restart).toBe('no');
    expect(init.depends_on).toEqual({ mongo: { condition: 'service_healthy' } });
  });

  it('starts the bot only once MongoDB is healthy and the init has completed', () => {
    expect(bot.depends_on).toEqual({ mongo: { condition: 'service_healthy' }, 'mongo-init': { condition: 'service_completed_successfully' } });
  });

  it('has healthchecks: the image script for the bot, a ping for mongo', () => {
    const imageCheck = all(image, 'HEALTHCHECK')[0]!.args;
    expect(bot.healthcheck!.test).toEqual(['CMD', ...execArgs(imageCheck.slice(imageCheck.indexOf('CMD') + 'CMD'.length))]);
    expect(mongo.healthcheck!.test.join(' ')).toMatch(/^CMD mongosh .*ping/);
  });

  it('publishes the bot PORT and never MongoDB (no authentication in this example)', () => {
    const port = bot.environment!.PORT;
    expect(bot.ports!.map((p) => p.split(':').at(-1))).toContain(port);
    expect(all(image, 'EXPOSE').map((e) => e.args)).toContain(port);
    expect(mongo.ports).toBeUndefined();
    expect(init.ports).toBeUndefined();
  });

  it('mounts the three config folders read-only under IAM_REVIEW_CONFIG_DIR and a named volume on IAM_REVIEW_DATA_DIR', () => {
    const { IAM_REVIEW_CONFIG_DIR: configDir, IAM_REVIEW_DATA_DIR: dataDir } = bot.environment!;
    for (const folder of ['connectors', 'policies', 'reviews']) expect(bot.volumes).toContain(`./${folder}:${configDir}/${folder}:ro`);
    const data = bot.volumes!.find((v) => v.split(':')[1] === dataDir);
    expect(data).toBeDefined();
    expect(Object.keys(compose.volumes)).toContain(data!.split(':')[0]);
    expect(envOf(image).IAM_REVIEW_DATA_DIR).toBe(dataDir);
    expect(mongo.volumes!.some((v) => v.endsWith(':/data/db'))).toBe(true);
  });

  it('reads secrets from an env file and sets only variables serve knows', () => {
    expect(bot.env_file).toEqual([{ path: '.env', required: false }]);
    for (const name of Object.keys(bot.environment!)) expect(Object.keys(envSchema.shape), name).toContain(name);
  });

  it('runs the bot on a read-only root with a writable /tmp (Slack exports) and tini forwarding SIGTERM', () => {
    expect(bot.read_only).toBe(true);
    expect(bot.tmpfs).toContain('/tmp');
    expect(bot.init).toBe(true);
  });
});
