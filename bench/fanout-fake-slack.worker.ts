/**
 * The fake Slack Web API of the fan-out benchmark, on its own thread: like the real Slack, the
 * far side does not share the bot's event loop, so the benchmark measures the bot, not the fake.
 * Protocol: workerData = FakeSlackOptions; posts { apiUrl, token } when listening; answers a
 * 'calls' message with the calls it recorded (method, status, target channel); 'stop' stops it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { FakeSlack } from '../test/fakes/fake-slack.js';
import type { FakeSlackOptions } from '../test/fakes/fake-slack.js';

export interface RecordedCall {
  method: string;
  status: number;
  channel: string | null;
  /** Date.now() when the call arrived. */
  at: number;
}

const fake = await FakeSlack.start(workerData as FakeSlackOptions);
parentPort!.on('message', async (msg: string) => {
  if (msg === 'calls') {
    const calls: RecordedCall[] = fake.calls.map((c) => ({ method: c.method, status: c.status, channel: typeof c.args.channel === 'string' ? c.args.channel : null, at: c.at }));
    parentPort!.postMessage({ calls });
  } else if (msg === 'stop') {
    await fake.stop();
    parentPort!.postMessage({ stopped: true });
  }
});
parentPort!.postMessage({ apiUrl: fake.apiUrl, token: fake.token });
