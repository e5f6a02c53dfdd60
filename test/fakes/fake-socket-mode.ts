/**
 * A fake of Slack's side of Socket Mode: the WebSocket server an app reaches through the URL that
 * apps.connections.open answers (FakeSlack's `socketModeUrl`: pass `() => socket.newUrl()`). It
 * speaks the protocol as docs.slack.dev describes it and as @slack/socket-mode 3.x (undici
 * WebSocket) reads it:
 *
 * - URLs are single-use tickets (`ws://127.0.0.1:<port>/link/?ticket=…&app_id=…`, like Slack's
 *   `wss://wss-primary.slack.com/link/?ticket=…&app_id=…`): a reconnect needs a fresh
 *   apps.connections.open. An unknown or used ticket gets HTTP 401 instead of the upgrade.
 * - On connect Slack sends `{ type: 'hello', num_connections, connection_info: { app_id },
 *   debug_info }`; the SDK's start() resolves only on it.
 * - Payloads arrive as envelopes `{ envelope_id, type, payload, accepts_response_payload }` with
 *   type `interactive` (payload = the JSON an HTTP app gets in the `payload` form field),
 *   `slash_commands` (payload = the command's form fields as a JSON object of strings) or
 *   `events_api` (payload = the `event_callback` body; also `retry_attempt`, `retry_reason`).
 *   `accepts_response_payload` is true for slash commands and view submissions / block
 *   suggestions, whose ack body is the response.
 * - The app acks each envelope with `{ envelope_id, payload }` (the SDK always sends `payload`:
 *   `{}` for a bare ack, `{ text }` for a string). Slack expects the ack within 3 seconds (else it
 *   retries), which the fake does not enforce but records as `latencyMs`.
 * - `{ type: 'disconnect', reason: 'refresh_requested', debug_info }` asks the client to go: it
 *   closes the socket (close 1000), waits, calls apps.connections.open again and reconnects.
 * - Pings: the client pings; `ws` answers pongs itself. The fake sends no pings of its own (the
 *   SDK arms its server-ping timeout only after a first ping from the server).
 *
 * The test pushes envelopes onto the newest open connection and awaits acks by envelope id.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { performance } from 'node:perf_hooks';
import { WebSocketServer } from 'ws';
import type { RawData, WebSocket } from 'ws';

export type EnvelopeType = 'interactive' | 'slash_commands' | 'events_api';

export interface SocketEnvelope {
  envelope_id: string;
  type: EnvelopeType;
  payload: Record<string, unknown>;
  accepts_response_payload: boolean;
  retry_attempt?: number;
  retry_reason?: string;
}

export interface SocketAck {
  envelopeId: string;
  /** The `payload` the app acked with (`undefined` if it sent none). */
  payload: Record<string, unknown> | undefined;
  /** Which connection (1-based) carried the ack. */
  connection: number;
  /** From sending the envelope to receiving the ack. */
  latencyMs: number;
}

export interface FakeSocketConnection {
  /** 1-based, in connection order. */
  id: number;
  ticket: string;
  /** Every message the fake sent on it (hello first), parsed. */
  sent: Array<Record<string, unknown>>;
  /** Close code and reason once the socket closed. */
  closed: { code: number; reason: string } | null;
}

export interface FakeSocketModeOptions {
  appId?: string;
}

const HOST = 'applink-fake-1';
/**
 * How long the waits below give up after: a diagnostic (the wait names what never came) rather
 * than a timing assumption, so it sits well above anything a loaded machine needs and below
 * the test timeout (vitest.config.ts).
 */
const WAIT_LIMIT_MS = 20_000;

export class FakeSocketMode {
  readonly connections: FakeSocketConnection[] = [];
  readonly acks: SocketAck[] = [];
  /** Messages from the app that are not acks (none are expected). */
  readonly unexpected: unknown[] = [];
  /** Upgrade attempts refused for an unknown or used ticket. */
  refusedTickets = 0;
  url = '';

  private readonly tickets = new Map<string, 'issued' | 'used'>();
  private readonly sockets = new Map<number, WebSocket>();
  private readonly sentAt = new Map<string, number>();
  private readonly waiters = new Set<() => void>();
  private readonly wss = new WebSocketServer({ noServer: true });
  private readonly appId: string;

  private constructor(
    private readonly server: Server,
    options: FakeSocketModeOptions,
  ) {
    this.appId = options.appId ?? 'A0APP0001';
    server.on('upgrade', (req: IncomingMessage, socket: Socket, head: Buffer) => this.upgrade(req, socket, head));
  }

  static async start(options: FakeSocketModeOptions = {}): Promise<FakeSocketMode> {
    const server = createServer((_req, res) => {
      res.writeHead(426, { 'content-type': 'text/plain' }).end('upgrade required');
    });
    const fake = new FakeSocketMode(server, options);
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    fake.url = `ws://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return fake;
  }

  /** A fresh single-use WebSocket URL, as apps.connections.open hands out. */
  newUrl(): string {
    const ticket = randomBytes(16).toString('hex');
    this.tickets.set(ticket, 'issued');
    return `${this.url}/link/?ticket=${ticket}&app_id=${this.appId}`;
  }

  /** Connections open now. */
  get openCount(): number {
    return this.sockets.size;
  }

  /** Resolves once `n` connections have been greeted with `hello`. */
  async connected(n: number, timeoutMs = WAIT_LIMIT_MS): Promise<FakeSocketConnection> {
    return this.when(() => (this.connections.length >= n ? this.connections[n - 1] : undefined), timeoutMs, `connection #${n}`);
  }

  /** Resolves with the close of connection `id` (1-based). */
  async closed(id: number, timeoutMs = WAIT_LIMIT_MS): Promise<{ code: number; reason: string }> {
    return this.when(() => this.connections[id - 1]?.closed ?? undefined, timeoutMs, `close of connection #${id}`);
  }

  /** Sends an envelope on the newest open connection; returns its envelope id. */
  push(type: EnvelopeType, payload: Record<string, unknown>, extra: Partial<Omit<SocketEnvelope, 'type' | 'payload'>> = {}): string {
    const envelope: SocketEnvelope = {
      envelope_id: randomUUID(),
      type,
      payload,
      accepts_response_payload: type === 'slash_commands' || (type === 'interactive' && ['view_submission', 'block_suggestion'].includes(String(payload.type))),
      ...extra,
    };
    this.sentAt.set(envelope.envelope_id, performance.now());
    this.sendOnNewest(envelope as unknown as Record<string, unknown>);
    return envelope.envelope_id;
  }

  /** Resolves with the app's ack of an envelope. */
  async ack(envelopeId: string, timeoutMs = WAIT_LIMIT_MS): Promise<SocketAck> {
    return this.when(() => this.acks.find((a) => a.envelopeId === envelopeId), timeoutMs, `ack of envelope ${envelopeId}`);
  }

  /** Pushes an envelope and waits for its ack. */
  async exchange(type: EnvelopeType, payload: Record<string, unknown>): Promise<SocketAck> {
    return this.ack(this.push(type, payload));
  }

  /** Slack's request to reconnect, on the newest open connection (the client closes it). */
  requestRefresh(reason: 'refresh_requested' | 'warning' | 'link_disabled' = 'refresh_requested'): void {
    this.sendOnNewest({ type: 'disconnect', reason, debug_info: { host: HOST } });
  }

  async stop(): Promise<void> {
    for (const ws of this.sockets.values()) ws.terminate();
    this.wss.close();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => this.server.close(() => resolve()));
  }

  // ---- internals ----

  private upgrade(req: IncomingMessage, socket: Socket, head: Buffer): void {
    const url = new URL(req.url ?? '/', 'http://fake');
    const ticket = url.searchParams.get('ticket') ?? '';
    if (url.pathname !== '/link/' || this.tickets.get(ticket) !== 'issued') {
      this.refusedTickets += 1;
      socket.end('HTTP/1.1 401 Unauthorized\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
      return;
    }
    this.tickets.set(ticket, 'used');
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, ticket));
  }

  private accept(ws: WebSocket, ticket: string): void {
    const connection: FakeSocketConnection = { id: this.connections.length + 1, ticket, sent: [], closed: null };
    this.connections.push(connection);
    this.sockets.set(connection.id, ws);
    ws.on('message', (data: RawData, isBinary: boolean) => this.receive(connection, data, isBinary));
    ws.on('close', (code: number, reason: Buffer) => {
      this.sockets.delete(connection.id);
      connection.closed = { code, reason: reason.toString('utf8') };
      this.notify();
    });
    this.send(connection, ws, {
      type: 'hello',
      num_connections: this.sockets.size,
      connection_info: { app_id: this.appId },
      debug_info: { host: HOST, build_number: 1, approximate_connection_time: 18060 },
    });
    this.notify();
  }

  private receive(connection: FakeSocketConnection, data: RawData, isBinary: boolean): void {
    let message: unknown = null;
    try {
      message = isBinary ? null : JSON.parse(Buffer.isBuffer(data) ? data.toString('utf8') : String(data));
    } catch {
      message = null;
    }
    const m = message as { envelope_id?: unknown; payload?: unknown } | null;
    if (m && typeof m.envelope_id === 'string' && this.sentAt.has(m.envelope_id)) {
      const payload = typeof m.payload === 'object' && m.payload !== null ? (m.payload as Record<string, unknown>) : undefined;
      this.acks.push({ envelopeId: m.envelope_id, payload, connection: connection.id, latencyMs: performance.now() - (this.sentAt.get(m.envelope_id) ?? 0) });
    } else {
      this.unexpected.push(message ?? String(data));
    }
    this.notify();
  }

  private sendOnNewest(message: Record<string, unknown>): void {
    const newest = [...this.connections].reverse().find((c) => this.sockets.has(c.id));
    const ws = newest ? this.sockets.get(newest.id) : undefined;
    if (!newest || !ws) throw new Error('fake Socket Mode: no open connection to send on');
    this.send(newest, ws, message);
  }

  private send(connection: FakeSocketConnection, ws: WebSocket, message: Record<string, unknown>): void {
    connection.sent.push(message);
    ws.send(JSON.stringify(message));
  }

  private notify(): void {
    for (const wake of [...this.waiters]) wake();
  }

  /** Resolves with the first defined value of `probe`, re-checked on every change; rejects after `timeoutMs`. */
  private when<T>(probe: () => T | undefined, timeoutMs: number, what: string): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const check = () => {
        const value = probe();
        if (value === undefined) return;
        done();
        resolve(value);
      };
      const timer = setTimeout(() => {
        done();
        reject(new Error(`fake Socket Mode: no ${what} within ${timeoutMs} ms`));
      }, timeoutMs);
      const done = () => {
        clearTimeout(timer);
        this.waiters.delete(check);
      };
      this.waiters.add(check);
      check();
    });
  }
}
