/**
 * A fake of Jira Cloud's REST API v3 (the far side of the Jira ticket requester) on a local
 * node:http server, hand-written from the documentation, behaving like it where the requester
 * depends on it:
 * - Basic auth `email:api-token` required on every call; anything else answers 401
 *   (https://developer.atlassian.com/cloud/jira/platform/basic-auth-for-rest-apis/). A user
 *   without a project permission gets 403 with an errorMessages list (`denyPermission`).
 * - `POST /rest/api/3/issue` ("Create issue",
 *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-post):
 *   `fields.project.key`, `fields.issuetype.name` and `fields.summary` required; the
 *   description must be an Atlassian Document (`{type:"doc",version:1,content:[...]}`,
 *   https://developer.atlassian.com/cloud/jira/platform/apis/document/structure/): a plain
 *   string answers 400 "Operation value must be an Atlassian Document (see the Atlassian
 *   Document Format)", as v3 does; a field not on the create screen, a summary over 255
 *   characters, a label with a space, and a required custom field left out answer 400 in
 *   Jira's shape `{"errorMessages":[],"errors":{"<field>":"<message>"}}`. 201 `{id,key,self}`.
 * - `GET /rest/api/3/search/jql?jql=...` (enhanced search,
 *   https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issue-search/#api-rest-api-3-search-jql-get):
 *   only `labels = "<label>"` clauses (joined by AND, with an optional `project = KEY`) are
 *   understood; answers `{issues:[{id,key,fields}], isLast:true}`. The removed
 *   `/rest/api/3/search` answers 410 with Atlassian's removal message (CHANGE-2046).
 * - `GET/POST /rest/api/3/issue/{key}/transitions`
 *   (https://developer.atlassian.com/cloud/jira/platform/rest/v3/api-group-issues/#api-rest-api-3-issue-issueidorkey-transitions-get):
 *   the transitions available from the issue's status; POST `{transition:{id}, update:{comment:[{add:{body: ADF}}]}}`
 *   answers 204, an unavailable transition 400.
 * - `POST /rest/api/3/issue/{key}/comment` (body in ADF, 201; a string body 400).
 * - Faults on cue: the next N calls (optionally of one route) answer 429 with Retry-After, or
 *   500; a create may be made to succeed and then drop the connection (the caller never sees
 *   the answer: a create that "may have been done").
 * The fake keeps its own limits (summary 255) rather than importing the product's.
 */
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

/** Jira's own cap on a summary (the fake's copy). */
const SUMMARY_MAX = 255;

export interface FakeJiraIssue {
  id: string;
  key: string;
  fields: Record<string, unknown>;
  status: string;
  comments: unknown[];
}

export interface FakeJiraOptions {
  email?: string;
  token?: string;
  projects?: string[];
  issueTypes?: string[];
  /** Fields that may be set on create besides the system ones (the create screen). */
  screenFields?: string[];
  /** Fields that must be given on create, with Jira's message when missing. */
  requiredFields?: Record<string, string>;
  /** Workflow: status -> transitions available from it. */
  workflow?: Record<string, { id: string; name: string; to: string }[]>;
}

type Route = 'search' | 'create' | 'transitions' | 'comment' | 'other';
interface Fault {
  route: Route | 'any';
  status: number;
  retryAfter?: string;
  /** For create: make the issue, then drop the connection without an answer. */
  dropAfterCreate?: boolean;
}

const SYSTEM_FIELDS = ['project', 'issuetype', 'summary', 'description', 'labels', 'priority', 'assignee', 'duedate'];

export class FakeJira {
  readonly issues: FakeJiraIssue[] = [];
  /** Every request: method, path (with query) and route. */
  readonly requests: { method: string; path: string; route: Route; status: number }[] = [];
  private readonly faults: Fault[] = [];
  private readonly denied = new Map<Route, string>();
  private server: Server | null = null;
  private readonly sockets = new Set<Socket>();
  private nextId = 10_000;
  private readonly opts: Required<FakeJiraOptions>;

  constructor(opts: FakeJiraOptions = {}) {
    this.opts = {
      email: opts.email ?? 'bot@example.com',
      token: opts.token ?? 'api-token-1',
      projects: opts.projects ?? ['SEC'],
      issueTypes: opts.issueTypes ?? ['Task'],
      screenFields: opts.screenFields ?? [],
      requiredFields: opts.requiredFields ?? {},
      workflow: opts.workflow ?? {
        'To Do': [
          { id: '21', name: 'In Progress', to: 'In Progress' },
          { id: '31', name: 'Done', to: 'Done' },
        ],
        'In Progress': [{ id: '31', name: 'Done', to: 'Done' }],
        Done: [{ id: '11', name: 'Reopen', to: 'To Do' }],
      },
    };
  }

  get url(): string {
    const addr = this.server?.address() as AddressInfo | null;
    if (!addr) throw new Error('fake Jira not started');
    return `http://127.0.0.1:${addr.port}`;
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

  /** The next `times` calls (of `route`, or any) answer `status` (429 with Retry-After seconds). */
  failNext(times: number, status: number, opts: { route?: Route; retryAfter?: string } = {}): void {
    for (let i = 0; i < times; i++) this.faults.push({ route: opts.route ?? 'any', status, retryAfter: opts.retryAfter });
  }

  /** The next create makes the issue and then drops the connection (no answer reaches the caller). */
  dropNextCreateAnswer(): void {
    this.faults.push({ route: 'create', status: 0, dropAfterCreate: true });
  }

  /** The account lacks the permission `route` needs: 403 with Jira's message. */
  denyPermission(route: Route, message: string): void {
    this.denied.set(route, message);
  }

  issuesWithLabel(label: string): FakeJiraIssue[] {
    return this.issues.filter((i) => (i.fields.labels as string[] | undefined)?.includes(label));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://fake');
    const route = routeOf(req.method ?? 'GET', url.pathname);
    const send = (status: number, body?: unknown, headers: Record<string, string> = {}) => {
      this.requests.push({ method: req.method ?? '', path: url.pathname + url.search, route, status });
      res.writeHead(status, { ...(body === undefined ? {} : { 'content-type': 'application/json;charset=UTF-8' }), ...headers });
      res.end(body === undefined ? undefined : JSON.stringify(body));
    };
    const raw = await readBody(req);

    if (req.headers.authorization !== `Basic ${Buffer.from(`${this.opts.email}:${this.opts.token}`).toString('base64')}`) {
      // Jira Cloud answers a bad API token with 401 and a plain message.
      return send(401, { errorMessages: ['Client must be authenticated to access this resource.'], errors: {} });
    }
    const faultAt = this.faults.findIndex((f) => f.route === 'any' || f.route === route);
    if (faultAt >= 0) {
      const [fault] = this.faults.splice(faultAt, 1);
      if (fault!.dropAfterCreate) {
        const created = this.create(parseJson(raw));
        this.requests.push({ method: req.method ?? '', path: url.pathname, route, status: 'key' in created ? 0 : 400 });
        req.socket.destroy();
        return;
      }
      if (fault!.status === 429) return send(429, { errorMessages: ['Rate limit exceeded.'], errors: {} }, fault!.retryAfter ? { 'retry-after': fault!.retryAfter } : {});
      return send(fault!.status, { errorMessages: ['Internal server error'], errors: {} });
    }
    const denied = this.denied.get(route);
    if (denied) return send(403, { errorMessages: [denied], errors: {} });

    if (req.method === 'GET' && url.pathname === '/rest/api/3/search') {
      return send(410, { errorMessages: ['The requested API has been removed. Please migrate to the /rest/api/3/search/jql API. A full migration guideline is available at https://developer.atlassian.com/changelog/#CHANGE-2046'], errors: {} });
    }
    if (route === 'search') return this.search(url, send);
    if (route === 'create') {
      const body = parseJson(raw);
      if (body === undefined) return send(400, { errorMessages: ['Invalid request payload. Refer to the REST API documentation and try again.'] });
      const created = this.create(body);
      return 'key' in created ? send(201, { id: created.id, key: created.key, self: `${this.url}/rest/api/3/issue/${created.id}` }) : send(400, created);
    }
    const m = /^\/rest\/api\/3\/issue\/([^/]+)\/(transitions|comment)$/.exec(url.pathname);
    const issue = m ? this.issues.find((i) => i.key === decodeURIComponent(m[1]!) || i.id === m[1]) : undefined;
    if (m && !issue) return send(404, { errorMessages: ['Issue does not exist or you do not have permission to see it.'], errors: {} });
    if (route === 'transitions' && req.method === 'GET') return send(200, { expand: 'transitions', transitions: (this.opts.workflow[issue!.status] ?? []).map((t) => ({ id: t.id, name: t.name, to: { name: t.to } })) });
    if (route === 'transitions') {
      const body = parseJson(raw) as { transition?: { id?: string }; update?: { comment?: { add?: { body?: unknown } }[] } } | undefined;
      const t = (this.opts.workflow[issue!.status] ?? []).find((x) => x.id === body?.transition?.id);
      if (!t) return send(400, { errorMessages: [`Transition id '${body?.transition?.id}' is not valid for this issue.`], errors: {} });
      for (const c of body?.update?.comment ?? []) {
        if (!isAdf(c.add?.body)) return send(400, { errorMessages: [], errors: { comment: 'Operation value must be an Atlassian Document (see the Atlassian Document Format)' } });
      }
      issue!.status = t.to;
      for (const c of body?.update?.comment ?? []) issue!.comments.push(c.add!.body);
      return send(204);
    }
    if (route === 'comment') {
      const body = parseJson(raw) as { body?: unknown } | undefined;
      if (!isAdf(body?.body)) return send(400, { errorMessages: [], errors: { comment: 'Comment body is not valid!' } });
      issue!.comments.push(body!.body);
      return send(201, { id: String(issue!.comments.length), body: body!.body });
    }
    return send(404, { errorMessages: ['No handler for this route in the fake'], errors: {} });
  }

  /** Creates the issue, or returns Jira's 400 body. */
  private create(body: unknown): FakeJiraIssue | { errorMessages: string[]; errors: Record<string, string> } {
    const fields = ((body as { fields?: Record<string, unknown> } | undefined)?.fields ?? {}) as Record<string, unknown>;
    const errors: Record<string, string> = {};
    const project = (fields.project as { key?: string } | undefined)?.key;
    if (!project || !this.opts.projects.includes(project)) errors.project = 'valid project is required';
    const type = (fields.issuetype as { name?: string } | undefined)?.name;
    if (!type || !this.opts.issueTypes.includes(type)) errors.issuetype = 'Specify a valid issue type';
    if (typeof fields.summary !== 'string' || fields.summary.trim() === '') errors.summary = 'You must specify a summary of the issue.';
    else if (fields.summary.length > SUMMARY_MAX) errors.summary = `Summary must be less than ${SUMMARY_MAX} characters.`;
    if (fields.description !== undefined && !isAdf(fields.description)) errors.description = 'Operation value must be an Atlassian Document (see the Atlassian Document Format)';
    const labels = fields.labels;
    if (labels !== undefined && (!Array.isArray(labels) || labels.some((l) => typeof l !== 'string' || /\s/.test(l)))) errors.labels = 'The label contains spaces which is invalid.';
    for (const key of Object.keys(fields)) {
      if (!SYSTEM_FIELDS.includes(key) && !this.opts.screenFields.includes(key)) errors[key] = `Field '${key}' cannot be set. It is not on the appropriate screen, or unknown.`;
    }
    for (const [key, message] of Object.entries(this.opts.requiredFields)) if (fields[key] === undefined) errors[key] = message;
    if (Object.keys(errors).length > 0) return { errorMessages: [], errors };
    const id = String(this.nextId++);
    const issue: FakeJiraIssue = { id, key: `${project}-${this.issues.filter((i) => i.key.startsWith(`${project}-`)).length + 1}`, fields, status: 'To Do', comments: [] };
    this.issues.push(issue);
    return issue;
  }

  private search(url: URL, send: (status: number, body?: unknown) => void): void {
    const jql = url.searchParams.get('jql') ?? '';
    const clauses = jql.split(/\s+AND\s+/i).map((c) => c.trim());
    const wanted: { labels: string[]; project: string | null } = { labels: [], project: null };
    for (const c of clauses) {
      const label = /^labels\s*=\s*"([^"]+)"$/.exec(c);
      const project = /^project\s*=\s*"?([A-Z][A-Z0-9_]*)"?$/.exec(c);
      if (label) wanted.labels.push(label[1]!);
      else if (project) wanted.project = project[1]!;
      else return send(400, { errorMessages: [`Error in the JQL Query: the fake does not understand '${c}'.`], errors: {} });
    }
    if (wanted.labels.length === 0 && !wanted.project) return send(400, { errorMessages: ['Unbounded JQL queries are not allowed here. Please add a search restriction to your query.'], errors: {} });
    const max = Number(url.searchParams.get('maxResults') ?? '50');
    const found = this.issues.filter((i) => wanted.labels.every((l) => (i.fields.labels as string[] | undefined)?.includes(l)) && (!wanted.project || i.key.startsWith(`${wanted.project}-`)));
    send(200, { issues: found.slice(0, max).map((i) => ({ id: i.id, key: i.key, self: `${this.url}/rest/api/3/issue/${i.id}`, fields: { status: { name: i.status } } })), isLast: found.length <= max });
  }
}

function routeOf(method: string, path: string): Route {
  if (method === 'GET' && path === '/rest/api/3/search/jql') return 'search';
  if (method === 'POST' && path === '/rest/api/3/issue') return 'create';
  if (/^\/rest\/api\/3\/issue\/[^/]+\/transitions$/.test(path)) return 'transitions';
  if (method === 'POST' && /^\/rest\/api\/3\/issue\/[^/]+\/comment$/.test(path)) return 'comment';
  return 'other';
}

/** A document node as ADF defines it at the top: type doc, version 1, a content array. */
function isAdf(v: unknown): boolean {
  return typeof v === 'object' && v !== null && (v as { type?: unknown }).type === 'doc' && (v as { version?: unknown }).version === 1 && Array.isArray((v as { content?: unknown }).content);
}

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw) as unknown;
  } catch {
    return undefined;
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
