/**
 * Command mode with a real child process (test/fixtures/baton/baton-stub.mjs, run by this
 * node binary): its stdout is the output read; a failing, cut-off, hanging or oversized run
 * fails the pull (never reads as "access removed"), and the command sees only the variables
 * it is given.
 */
import { describe, expect, it } from 'vitest';
import { ConnectorError } from '../../../src/connectors/connector.js';
import { FIXTURES, STUB, connect, drain, makeCtx } from './baton-harness.js';

const stub = (mode: string) => [process.execPath, STUB, mode];

async function run(settings: Record<string, unknown>, env: Record<string, string> = {}, signal?: AbortSignal) {
  const ctx = makeCtx(FIXTURES, env, signal);
  return drain(connect(settings, ctx), ctx);
}

describe('baton connector: command mode', () => {
  it('reads the grants the command prints (the same as the file)', async () => {
    const fromCommand = await run({ command: stub('grants') });
    const fromFile = await run({ path: 'okta-grants.json' });
    expect(fromCommand.problems).toEqual([]);
    expect(fromCommand.items).toHaveLength(11);
    expect(fromCommand.items).toEqual(fromFile.items);
  });

  it('runs the command in the connectors/ folder, so relative arguments resolve there', async () => {
    const { items } = await run({ command: [process.execPath, 'baton-stub.mjs', 'grants'] });
    expect(items).toHaveLength(11);
  });

  it('fails the pull when the command exits non-zero, naming the exit code and stderr', async () => {
    const err = await run({ command: stub('fail') }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConnectorError);
    expect((err as Error).message).toMatch(/command `.*baton-stub\.mjs fail` exited with code 1: Error: c1z: invalid file/);
  });

  it('fails the pull when the command prints cut-off JSON, even with exit 0', async () => {
    await expect(run({ command: stub('truncated') })).rejects.toThrow(/not valid JSON .*cut off or not from `baton grants --output-format=json`/);
  });

  it('fails the pull when the program cannot be started', async () => {
    await expect(run({ command: ['/nonexistent/baton', 'grants'] })).rejects.toThrow(/cannot run `\/nonexistent\/baton grants` \(ENOENT\)/);
  });

  it('passes only the base variables and those named in passEnv, and refuses an unset passEnv variable', async () => {
    const env = { BATON_OKTA_TOKEN: 'okta-token', LEAKED_SECRET: 'must-not-pass' };
    expect((await run({ command: stub('env'), passEnv: ['BATON_OKTA_TOKEN'] }, env)).items).toHaveLength(11);
    // Without passEnv the token does not reach the command (the stub exits 2 and says so).
    await expect(run({ command: stub('env') }, env)).rejects.toThrow(/exited with code 2: unexpected environment/);
    await expect(run({ command: stub('env'), passEnv: ['BATON_OKTA_TOKEN'] }, {})).rejects.toThrow(/passEnv: environment variable BATON_OKTA_TOKEN is not set/);
  });

  it('stops a command that prints more than maxOutputMegabytes', async () => {
    // The fixture printed compact is ~26 KB: a 1 MB limit passes, so make the stub print more.
    const big = [process.execPath, '-e', 'process.stdout.write("{\\"grants\\":[" + "0,".repeat(700000) + "0]}")'];
    await expect(run({ command: big, maxOutputMegabytes: 1 })).rejects.toThrow(/printed more than 1 MB \(maxOutputMegabytes\) and was stopped/);
  });

  it('stops a command that outlives timeoutSeconds', async () => {
    await expect(run({ command: stub('hang'), timeoutSeconds: 1 })).rejects.toThrow(/did not finish within 1 s and was stopped/);
  });

  it('stops the command when the sync is aborted', async () => {
    const abort = new AbortController();
    const pending = run({ command: stub('hang') }, {}, abort.signal);
    abort.abort(new Error('sync timed out'));
    await expect(pending).rejects.toThrow(/sync timed out/);
  });
});
