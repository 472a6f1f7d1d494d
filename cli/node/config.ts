/**
 * The daemon's settings: one zod schema for the `--config` JSON file and the command-line flags
 * (flags win), so both are checked alike and a bad value is named with its key. Addresses are
 * `host:port` with an IP literal host (`[::1]:4000` for IPv6): the node binds one UDP socket.
 */
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { z } from 'zod';

/** The control API's port when --control is not given (the client commands' default --node is http://127.0.0.1:7766). */
export const DEFAULT_CONTROL_PORT = 7766;

/** A parsed `host:port`. */
export interface HostPort {
  readonly host: string;
  readonly port: number;
}

/** Parses `host:port` / `[v6]:port`; throws an Error naming `what` when it is not one. */
export function parseHostPort(text: string, what: string): HostPort {
  const m = /^\[([^\]]+)\]:(\d{1,5})$/.exec(text) ?? /^([^:[\]]+):(\d{1,5})$/.exec(text);
  const port = m ? Number(m[2]) : NaN;
  if (!m || isIP(m[1]) === 0 || !(port >= 0 && port <= 65535)) {
    throw new Error(`${what}: expected host:port with an IP address (e.g. 127.0.0.1:4000 or [::1]:4000), got "${text}"`);
  }
  return { host: m[1], port };
}

/** Formats a HostPort back to `host:port` (brackets around IPv6). */
export function formatHostPort(a: HostPort): string {
  return isIP(a.host) === 6 ? `[${a.host}]:${a.port}` : `${a.host}:${a.port}`;
}

const hostPort = (what: string) => z.string().transform((s, ctx) => {
  try {
    return parseHostPort(s, what);
  } catch (err) {
    ctx.addIssue({ code: 'custom', message: (err as Error).message });
    return z.NEVER;
  }
});

/** What `--config FILE` may hold (every key optional; the same names as the flags, camelCase). */
export const daemonConfigSchema = z.strictObject({
  listen: hostPort('listen').optional(),
  bootstrap: z.array(z.string().min(1)).max(64).optional(),
  dataDir: z.string().min(1).optional(),
  security: z.enum(['signed', 'none']).optional(),
  logLevel: z.enum(['trace', 'debug', 'info', 'warn', 'error', 'fatal']).optional(),
  control: hostPort('control').optional(),
  metrics: hostPort('metrics').optional(),
  /** Serve the control API on a non-loopback address (refused unless set). */
  allowPublicControl: z.boolean().optional(),
});

/** The settings with defaults filled in. */
export interface DaemonConfig {
  readonly listen: HostPort;
  readonly bootstrap: readonly string[];
  readonly dataDir?: string;
  readonly security: 'signed' | 'none';
  readonly logLevel: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';
  readonly control: HostPort;
  readonly metrics?: HostPort;
  readonly allowPublicControl: boolean;
}

/** The flags as commander hands them over (strings, repeatable ones as arrays). */
export interface DaemonFlags {
  readonly listen?: string[];
  readonly bootstrap?: string[];
  readonly dataDir?: string;
  readonly security?: string;
  readonly config?: string;
  readonly logLevel?: string;
  readonly control?: string;
  readonly metrics?: string;
  readonly allowPublicControl?: boolean;
}

/** Whether an IP literal is a loopback address (127.0.0.0/8, ::1, ::ffff:127.x). */
export function isLoopback(host: string): boolean {
  return /^127\./.test(host) || host === '::1' || /^::ffff:127\./i.test(host);
}

/** Reads `--config` (if any), lays the flags over it, checks the whole and fills defaults. Throws an Error naming the key. */
export function loadDaemonConfig(flags: DaemonFlags): DaemonConfig {
  let file: unknown = {};
  if (flags.config) {
    let text: string;
    try {
      text = readFileSync(flags.config, 'utf8');
    } catch (err) {
      throw new Error(`--config: cannot read ${flags.config} (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    try {
      file = JSON.parse(text);
    } catch {
      throw new Error(`--config: ${flags.config} is not valid JSON`);
    }
  }
  if ((flags.listen?.length ?? 0) > 1) throw new Error('--listen: a node binds one UDP socket; give one address (an IPv6 one, e.g. [::]:4000, for dual stack)');
  const merged = {
    ...(file as object),
    ...(flags.listen?.length ? { listen: flags.listen[0] } : {}),
    ...(flags.bootstrap?.length ? { bootstrap: flags.bootstrap } : {}),
    ...(flags.dataDir ? { dataDir: flags.dataDir } : {}),
    ...(flags.security ? { security: flags.security } : {}),
    ...(flags.logLevel ? { logLevel: flags.logLevel } : {}),
    ...(flags.control ? { control: flags.control } : {}),
    ...(flags.metrics ? { metrics: flags.metrics } : {}),
    ...(flags.allowPublicControl ? { allowPublicControl: true } : {}),
  };
  const r = daemonConfigSchema.safeParse(merged);
  if (!r.success) {
    const i = r.error.issues[0];
    const key = i.path.length ? i.path.join('.') : 'keys' in i ? (i.keys as string[]).join(', ') : 'config';
    throw new Error(`${key}: ${i.message}`);
  }
  const c = r.data;
  const control = c.control ?? { host: '127.0.0.1', port: DEFAULT_CONTROL_PORT };
  if (!isLoopback(control.host) && !c.allowPublicControl) {
    throw new Error(`control: ${formatHostPort(control)} is not a loopback address; the control API can run the node, so pass --allow-public-control to serve it there`);
  }
  return {
    listen: c.listen ?? { host: '127.0.0.1', port: 0 },
    bootstrap: c.bootstrap ?? [],
    dataDir: c.dataDir,
    security: c.security ?? 'signed',
    logLevel: c.logLevel ?? 'warn',
    control,
    metrics: c.metrics,
    allowPublicControl: c.allowPublicControl ?? false,
  };
}
