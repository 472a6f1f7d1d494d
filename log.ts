import bunyan from 'bunyan';

let root: bunyan | undefined;

const LEVEL_NAMES = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

/**
 * The level TAPESTRY_LOG_LEVEL asks for: a bunyan level name (trace, debug, info, warn, error, fatal)
 * or number. Unset: warn. Anything else is reported through `warn` (a process warning on stderr by
 * default) and warn is used: a typo in the environment must not crash the application.
 */
export function levelFromEnv(value: string | undefined, warn: (msg: string) => void = (m) => process.emitWarning(m, 'TapestryWarning')): bunyan.LogLevel {
  const v = value?.trim().toLowerCase();
  if (!v) return 'warn';
  if (LEVEL_NAMES.includes(v)) return v as bunyan.LogLevel;
  if (/^\d+$/.test(v)) return Number(v);
  warn(`TAPESTRY_LOG_LEVEL=${JSON.stringify(value)} is not a log level (${LEVEL_NAMES.join(', ')}); logging at warn`);
  return 'warn';
}

/**
 * The process-wide logger; nodes log through child loggers that carry their GUID. It writes JSON
 * lines to stderr (bunyan's default stream is stdout, which belongs to the application), at the
 * level TAPESTRY_LOG_LEVEL names (default warn).
 */
export function rootLogger(): bunyan {
  root ??= bunyan.createLogger({
    name: 'tapestry',
    level: levelFromEnv(process.env.TAPESTRY_LOG_LEVEL),
    streams: [{ stream: process.stderr }],
    serializers: bunyan.stdSerializers,
  });
  return root;
}

/** A child logger for one node; debug output only when asked for, so hot paths stay cheap. */
export function nodeLogger(guidHex: string, debug = false, parent: bunyan = rootLogger()): bunyan {
  // A child given its own level gets copies of the parent's streams, so one node's debug output
  // never raises the level of the others (a plain child shares them).
  return debug
    ? parent.child({ node: guidHex.slice(0, 12), level: 'debug' })
    : parent.child({ node: guidHex.slice(0, 12) }, true);
}
