/**
 * The client side of the control API: one call to a daemon, its JSON answer or its error as one
 * line. Exit codes scripts can rely on: 0 done / found, 1 the daemon answered that it failed (not
 * found, timeout, a refused argument), 2 the daemon could not be reached or answered nonsense.
 */

/** An error with the exit code the command ends with. */
export class ClientError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

/** The default daemon: `tapestry node`'s default control address. */
export const DEFAULT_NODE_URL = 'http://127.0.0.1:7766';

function endpoint(base: string, path: string): URL {
  let url: URL;
  try {
    url = new URL(path, base.endsWith('/') ? base : `${base}/`);
  } catch {
    throw new ClientError(`--node: not a URL: "${base}"`, 2);
  }
  if (url.protocol !== 'http:') throw new ClientError(`--node: the control API speaks http://, got "${base}"`, 2);
  return url;
}

async function fetchOrExplain(url: URL, init: RequestInit): Promise<Response> {
  try {
    return await fetch(url, { ...init, signal: AbortSignal.timeout(130_000) });
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause?.code ?? (err as Error).name;
    throw new ClientError(`cannot reach the node at ${url.origin} (${cause}); is \`tapestry node\` running there?`, 2);
  }
}

async function failure(res: Response): Promise<ClientError> {
  let message = `${res.status} ${res.statusText}`;
  try {
    const body = (await res.json()) as { error?: string };
    if (body.error) message = body.error;
  } catch {
    // not JSON: the status line says enough
  }
  return new ClientError(message, res.status >= 500 && res.status !== 502 && res.status !== 504 ? 2 : 1);
}

/** GET or POST one endpoint; resolves with its JSON answer. */
export async function call<T>(base: string, path: string, body?: unknown): Promise<T> {
  const url = endpoint(base, path.replace(/^\//, ''));
  const res = await fetchOrExplain(url, body === undefined ? {} : { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  try {
    return (await res.json()) as T;
  } catch {
    throw new ClientError(`the node at ${url.origin} answered something that is not JSON`, 2);
  }
}

/** POST an endpoint that answers JSON lines; yields each as it arrives. */
export async function* callLines<T>(base: string, path: string, body: unknown): AsyncGenerator<T> {
  const url = endpoint(base, path.replace(/^\//, ''));
  const res = await fetchOrExplain(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  if (!res.ok) throw await failure(res);
  const decoder = new TextDecoder();
  let buffered = '';
  for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
    buffered += decoder.decode(chunk, { stream: true });
    let nl: number;
    while ((nl = buffered.indexOf('\n')) >= 0) {
      const line = buffered.slice(0, nl).trim();
      buffered = buffered.slice(nl + 1);
      if (line) yield JSON.parse(line) as T;
    }
  }
}
