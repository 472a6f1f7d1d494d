/**
 * The daemon's Prometheus endpoint: GET /metrics on node:http, nothing else. Other paths answer 404,
 * other methods on /metrics 405; a request that does not parse gets a 400 and its connection is
 * closed; a scrape that fails answers 500. None of these stops the server.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import type { NodeMetrics } from './metrics';

export const METRICS_PATH = '/metrics';

export interface MetricsServer {
  /** Where it listens (the port the system picked when asked for 0). */
  readonly address: { readonly host: string; readonly port: number };
  /** Stops listening and closes every open connection; resolves once the server is closed. */
  close(): Promise<void>;
}

/** The request's path without its query string ('' when the target does not parse). */
function pathOf(url: string | undefined): string {
  if (!url) return '';
  const q = url.indexOf('?');
  return q === -1 ? url : url.slice(0, q);
}

function answer(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store', ...headers });
  res.end(body);
}

async function handle(metrics: NodeMetrics, req: IncomingMessage, res: ServerResponse): Promise<void> {
  if (pathOf(req.url) !== METRICS_PATH) return answer(res, 404, 'not found: the metrics are at /metrics\n');
  if (req.method !== 'GET' && req.method !== 'HEAD') return answer(res, 405, 'method not allowed: use GET\n', { Allow: 'GET, HEAD' });
  let text: string;
  try {
    text = await metrics.text();
  } catch (err) {
    return answer(res, 500, `metrics could not be collected: ${err instanceof Error ? err.message : String(err)}\n`);
  }
  answer(res, 200, text, { 'Content-Type': metrics.contentType });
}

/**
 * Serves `metrics` at http://host:port/metrics (port 0: any free port). Resolves once listening;
 * rejects if the address cannot be bound (in use, not local, …).
 */
export function startMetricsServer(metrics: NodeMetrics, host: string, port: number): Promise<MetricsServer> {
  const server = createServer((req, res) => {
    // A request body is never read: drain it so the connection can serve the next request.
    req.resume();
    handle(metrics, req, res).catch((err: unknown) => {
      if (!res.headersSent) answer(res, 500, `internal error: ${err instanceof Error ? err.message : String(err)}\n`);
      else res.destroy();
    });
  });
  server.on('clientError', (_err: Error, socket: Socket) => {
    // A request that does not parse (or a connection reset mid-request): answer if it can still hear it.
    if (socket.writable && !socket.destroyed) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\nContent-Length: 0\r\n\r\n');
    else socket.destroy();
  });
  return new Promise((resolve, reject) => {
    const failed = (err: Error): void => reject(err);
    server.once('error', failed);
    server.listen(port, host, () => {
      server.off('error', failed);
      // Later errors (a socket's, after listening) must not go unhandled: the server goes on.
      server.on('error', () => {});
      const bound = server.address();
      if (bound === null || typeof bound === 'string') {
        server.close();
        reject(new Error(`metrics server bound to an unexpected address: ${String(bound)}`));
        return;
      }
      let closing: Promise<void> | undefined;
      resolve({
        address: { host: bound.address, port: bound.port },
        close: () =>
          (closing ??= new Promise<void>((done) => {
            server.close(() => done());
            server.closeAllConnections();
          })),
      });
    });
  });
}
