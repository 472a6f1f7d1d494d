/**
 * The control API's event stream (server-sent events): status, leaf-set and neighbour changes for
 * every listener, and the node's route and locate traces for listeners that asked (`?trace=1`, the
 * web view's). Bounded: at most MAX_LISTENERS streams; a listener that stops reading (more than
 * MAX_BUFFERED bytes waiting) is dropped rather than held in memory.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';

export const MAX_LISTENERS = 32;
export const MAX_BUFFERED = 1 << 20;
const KEEPALIVE_MS = 15_000;

/** What the stream carries. */
export type EventType = 'status' | 'leafset' | 'neighbour' | 'delivery' | 'route' | 'locate';
const TRACE_ONLY: ReadonlySet<EventType> = new Set(['route', 'locate']);

interface Listener {
  readonly res: ServerResponse;
  readonly trace: boolean;
}

export class EventHub {
  private readonly listeners = new Set<Listener>();
  private keepalive?: NodeJS.Timeout;

  /** How many streams are open. */
  get size(): number {
    return this.listeners.size;
  }

  /** Whether any listener wants traces (the node skips building them otherwise). */
  get tracing(): boolean {
    for (const l of this.listeners) if (l.trace) return true;
    return false;
  }

  /** Whether another stream may open. */
  get full(): boolean {
    return this.listeners.size >= MAX_LISTENERS;
  }

  /** Takes over `res` as an event stream; `first` events are sent at once (the current status). */
  open(res: ServerResponse, req: IncomingMessage, trace: boolean, first: ReadonlyArray<[EventType, unknown]>): void {
    res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
    const l: Listener = { res, trace };
    this.listeners.add(l);
    req.on('close', () => this.listeners.delete(l));
    for (const [type, data] of first) this.write(l, type, data);
    this.keepalive ??= setInterval(() => {
      for (const x of this.listeners) x.res.write(': keepalive\n\n');
    }, KEEPALIVE_MS).unref();
  }

  publish(type: EventType, data: unknown): void {
    const traceOnly = TRACE_ONLY.has(type);
    for (const l of this.listeners) if (!traceOnly || l.trace) this.write(l, type, data);
  }

  /** Ends every stream (the daemon is stopping). */
  close(): void {
    if (this.keepalive) clearInterval(this.keepalive);
    for (const l of this.listeners) l.res.end();
    this.listeners.clear();
  }

  private write(l: Listener, type: EventType, data: unknown): void {
    if (l.res.writableLength > MAX_BUFFERED) {
      this.listeners.delete(l);
      l.res.destroy();
      return;
    }
    l.res.write(`event: ${type}\ndata: ${JSON.stringify(data)}\n\n`);
  }
}
