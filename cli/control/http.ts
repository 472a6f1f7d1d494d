/**
 * The control API's HTTP plumbing (node:http, JSON): a request body is read up to a bound and
 * parsed; a body that is not JSON, names an unknown field or holds an out-of-range value is answered
 * 400 with `{ error, field }` before any handler runs; unknown paths get 404, wrong methods 405, and
 * a handler that throws a named error gets 4xx with `{ error, code }` (a bug 500) — the server keeps serving whatever a
 * request holds. Handlers answer JSON, a stream of JSON lines, or server-sent events.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { z } from 'zod';

/** Largest request body accepted (bytes): payloads are for small control messages. */
export const MAX_BODY_BYTES = 256 * 1024;

/** An error a handler throws to answer with `status`. */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
    readonly field?: string,
    /** What went wrong, for scripts to branch on (a named library error's name without "Error", lower camel case: `notFound`, `timeout` ...). */
    readonly code?: string,
  ) {
    super(message);
  }
}

/** What a handler answers. */
export type Reply =
  | { readonly kind: 'json'; readonly status: number; readonly body: unknown }
  /** Newline-delimited JSON objects, one per item, as they come (a locate's results). */
  | { readonly kind: 'lines'; readonly items: AsyncIterable<unknown> }
  /** Hands the response over for server-sent events; the handler writes and ends it. */
  | { readonly kind: 'sse'; readonly start: (res: ServerResponse, req: IncomingMessage) => void };

export const json = (body: unknown, status = 200): Reply => ({ kind: 'json', status, body });

/** One endpoint: its method, body schema (POST) and handler. */
export interface Endpoint<S extends z.ZodType = z.ZodType> {
  readonly method: 'GET' | 'POST';
  readonly body?: S;
  handle(body: z.output<S>, url: URL): Promise<Reply> | Reply;
}

/** Maps a handler's error to a status: named library errors are the caller's fault (4xx). */
export type ErrorStatus = (err: unknown) => { status: number; message: string; code?: string };

function send(res: ServerResponse, status: number, body: unknown): void {
  if (res.headersSent) return void res.end();
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `request body over ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Checks a parsed body against the endpoint's schema: 400 naming the first bad field. */
function checkBody(schema: z.ZodType, value: unknown): unknown {
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  const i = r.error.issues[0];
  const field = i.path.length ? i.path.join('.') : 'keys' in i ? (i.keys as string[]).join(', ') : undefined;
  throw new HttpError(400, field ? `${field}: ${i.message}` : i.message, field);
}

async function serve(endpoints: ReadonlyMap<string, Endpoint>, errorStatus: ErrorStatus, req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://control');
  const ep = endpoints.get(url.pathname);
  if (!ep) throw new HttpError(404, `no endpoint ${url.pathname}`);
  if (req.method !== ep.method) {
    res.setHeader('allow', ep.method);
    throw new HttpError(405, `${url.pathname} takes ${ep.method}`);
  }
  let body: unknown = undefined;
  if (ep.method === 'POST') {
    const text = await readBody(req);
    let parsed: unknown;
    try {
      parsed = text.trim() === '' ? {} : JSON.parse(text);
    } catch {
      throw new HttpError(400, 'the body is not valid JSON');
    }
    body = ep.body ? checkBody(ep.body, parsed) : parsed;
  }
  let reply: Reply;
  try {
    reply = await ep.handle(body as never, url);
  } catch (err) {
    if (err instanceof HttpError) throw err;
    const { status, message, code } = errorStatus(err);
    throw new HttpError(status, message, undefined, code);
  }
  if (reply.kind === 'json') return send(res, reply.status, reply.body);
  if (reply.kind === 'sse') return reply.start(res, req);
  res.writeHead(200, { 'content-type': 'application/x-ndjson; charset=utf-8' });
  try {
    for await (const item of reply.items) res.write(`${JSON.stringify(item)}\n`);
  } catch (err) {
    res.write(`${JSON.stringify({ error: errorStatus(err).message })}\n`);
  }
  res.end();
}

/** Starts the server on host:port (0 = any free port); resolves once it listens. */
export function startJsonServer(host: string, port: number, endpoints: ReadonlyMap<string, Endpoint>, errorStatus: ErrorStatus): Promise<Server> {
  const server = createServer((req, res) => {
    serve(endpoints, errorStatus, req, res).catch((err: unknown) => {
      const e = err instanceof HttpError ? err : new HttpError(500, err instanceof Error ? err.message : String(err));
      send(res, e.status, { error: e.message, ...(e.field ? { field: e.field } : {}), ...(e.code ? { code: e.code } : {}) });
    });
  });
  // A client that sends garbage gets a 400 from node:http; its socket error never reaches the process.
  server.on('clientError', (_err, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nconnection: close\r\n\r\n');
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve(server);
    });
  });
}
