/**
 * A ticket system's webhook receiver (the far side of the webhook ticket requester) on a local
 * node:http server, written as docs/remediation.md tells a receiver to be:
 * - verifies `X-IAM-Review-Signature: sha256=<hex>` = HMAC-SHA256(secret, "<X-IAM-Review-Timestamp>.<raw body>")
 *   in constant time, and refuses a timestamp more than 5 minutes from its clock: 401;
 * - dedupes on `Idempotency-Key`: a repeated key opens no second ticket and answers the first
 *   ticket's id again;
 * - answers 201 `{"id":"TCK-<n>"}`, or, on cue, a scripted answer (a status, Retry-After, a body
 *   that is not JSON, or a huge body streamed in chunks).
 * Its own copy of the rules: nothing is imported from the product.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

const TOLERANCE_SECONDS = 300;

export interface ScriptedAnswer {
  status: number;
  body?: string;
  headers?: Record<string, string>;
  /** Stream this many bytes of filler after `body` (a huge answer). */
  hugeBytes?: number;
  /** Open the ticket (dedupe record included) before answering, as a receiver that crashed mid-answer would have. */
  processed?: boolean;
}

export interface Delivery {
  key: string | undefined;
  verified: boolean;
  why: string | null;
  body: unknown;
  status: number;
}

export class FakeTicketWebhook {
  readonly deliveries: Delivery[] = [];
  /** Tickets opened, by idempotency key. */
  readonly tickets = new Map<string, { id: string; body: unknown }>();
  private readonly script: ScriptedAnswer[] = [];
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();

  constructor(
    private readonly secret: string,
    /** The receiver's clock (seconds): tests give the app's clock. */
    private readonly nowSeconds: () => number = () => Math.floor(Date.now() / 1000),
  ) {}

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('fake webhook not started');
    return `http://127.0.0.1:${addr.port}/hooks/iam-review`;
  }

  async start(): Promise<this> {
    this.server = createServer((req, res) => void this.handle(req, res));
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    return this;
  }

  async stop(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server = null;
  }

  /** The next deliveries get these answers (after the signature check). */
  answerNext(...answers: ScriptedAnswer[]): void {
    this.script.push(...answers);
  }

  /** The receiver's check, as documented: constant-time HMAC comparison and a 5-minute window. */
  verify(headers: IncomingMessage['headers'], raw: string): string | null {
    const timestamp = String(headers['x-iam-review-timestamp'] ?? '');
    const signature = String(headers['x-iam-review-signature'] ?? '');
    if (!/^\d+$/.test(timestamp)) return 'no timestamp';
    if (Math.abs(this.nowSeconds() - Number(timestamp)) > TOLERANCE_SECONDS) return 'timestamp outside the 5-minute window';
    const expected = Buffer.from(`sha256=${createHmac('sha256', this.secret).update(`${timestamp}.${raw}`).digest('hex')}`);
    const given = Buffer.from(signature);
    return given.length === expected.length && timingSafeEqual(given, expected) ? null : 'signature mismatch';
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const key = req.headers['idempotency-key'] as string | undefined;
    const why = this.verify(req.headers, raw);
    const record = (status: number) => this.deliveries.push({ key, verified: why === null, why, body: safeJson(raw), status });
    if (why) {
      record(401);
      res.writeHead(401, { 'content-type': 'application/json' }).end(JSON.stringify({ error: why }));
      return;
    }
    const scripted = this.script.shift();
    if (scripted) {
      if (scripted.processed) this.open(key, raw);
      record(scripted.status);
      res.writeHead(scripted.status, scripted.headers ?? {});
      if (scripted.body) res.write(scripted.body);
      if (scripted.hugeBytes) await streamFiller(res, scripted.hugeBytes);
      res.end();
      return;
    }
    const ticket = this.open(key, raw);
    record(201);
    res.writeHead(201, { 'content-type': 'application/json' }).end(JSON.stringify({ id: ticket.id }));
  }

  private open(key: string | undefined, raw: string): { id: string; body: unknown } {
    const dedupe = key ?? `no-key-${this.tickets.size}`;
    const known = this.tickets.get(dedupe);
    if (known) return known;
    const ticket = { id: `TCK-${this.tickets.size + 1}`, body: safeJson(raw) };
    this.tickets.set(dedupe, ticket);
    return ticket;
  }
}

/** Writes `bytes` of filler in 64 KiB chunks, stopping early if the client hangs up. */
async function streamFiller(res: ServerResponse, bytes: number): Promise<void> {
  const chunk = Buffer.alloc(64 * 1024, 'x');
  for (let sent = 0; sent < bytes && !res.destroyed; sent += chunk.length) {
    if (!res.write(chunk)) {
      await new Promise<void>((resolve) => {
        const done = () => {
          res.off('drain', done);
          res.off('close', done);
          resolve();
        };
        res.on('drain', done);
        res.on('close', done);
      });
    }
  }
}

function safeJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return raw;
  }
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
