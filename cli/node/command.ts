/** `tapestry node`: the options, the start line, and the signals that stop the daemon. */
import { Command, Option } from 'commander';
import { collect, intOption } from '../options';
import { formatHostPort, loadDaemonConfig, type DaemonFlags } from './config';
import { LEAVE_BOUND_MS, startDaemon } from './daemon';
import { addressText } from './dataDir';

/** The process exits this long after a stop signal even if the leave hangs (ms). */
export const EXIT_BOUND_MS = LEAVE_BOUND_MS + 5_000;

export function nodeCommand(): Command {
  return new Command('node')
    .description('run a node: join the mesh, serve the control API (HTTP + JSON) and, with --metrics, Prometheus metrics')
    .option('--listen <host:port>', 'UDP address to bind, IPv4 or [IPv6] (default 127.0.0.1:0, any free port)', collect)
    .option('--bootstrap <host:port>', 'a node to join through (repeatable); without it a node with --data-dir rejoins through the peers it knew', collect)
    .option('--data-dir <dir>', 'keeps the identity key (the GUID) and a snapshot of known peers across restarts')
    .addOption(new Option('--security <mode>', 'peer and record authentication').choices(['signed', 'none']))
    .option('--config <file>', 'the same settings as JSON (flags override it)')
    .addOption(new Option('--log-level <level>', 'log level on stderr').choices(['trace', 'debug', 'info', 'warn', 'error', 'fatal']))
    .option('--control <host:port>', 'control API address (default 127.0.0.1:7766; loopback only unless --allow-public-control)')
    .option('--allow-public-control', 'allow the control API on a non-loopback address')
    .option('--metrics <host:port>', 'serve Prometheus metrics at http://host:port/metrics')
    .option('--join-timeout <seconds>', 'give up (exit 1) if the mesh is not joined in this long', intOption(1, 3_600), 30)
    .option('--json', 'print the start line as JSON')
    .action(async (flags: DaemonFlags & { joinTimeout: number; json?: boolean }) => {
      const cfg = loadDaemonConfig(flags);
      const d = await startDaemon(cfg, { joinTimeoutMs: flags.joinTimeout * 1000 });
      const control = `http://${formatHostPort(d.control)}`;
      const metrics = d.metrics ? `http://${formatHostPort(d.metrics)}/metrics` : undefined;
      const line = { guid: d.node.guid.hex, address: addressText(d.node.address), status: d.node.status, control, metrics };
      console.log(flags.json ? JSON.stringify(line) : `tapestry node ${line.guid} on ${line.address} (${line.status}); control ${control}${metrics ? `; metrics ${metrics}` : ''}`);
      let stopping = false;
      const onSignal = (signal: NodeJS.Signals) => {
        if (stopping) return;
        stopping = true;
        setTimeout(() => process.exit(1), EXIT_BOUND_MS).unref();
        d.stop().then(
          () => {
            if (!flags.json) console.log(`tapestry node: left the mesh (${signal})`);
            process.exit(0);
          },
          (err: unknown) => {
            console.error(`tapestry node: stopping failed: ${(err as Error).message}`);
            process.exit(1);
          },
        );
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
}
