import bunyan from 'bunyan';

let root: bunyan | undefined;

/** The process-wide logger; nodes log through child loggers that carry their GUID. */
export function rootLogger(): bunyan {
  root ??= bunyan.createLogger({
    name: 'tapestry',
    level: (process.env.TAPESTRY_LOG_LEVEL as bunyan.LogLevel | undefined) ?? 'warn',
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
