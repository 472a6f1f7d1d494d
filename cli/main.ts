/**
 * The `tapestry` command: subcommands parsed with commander (help, usage errors and option checks
 * from one well-kept library rather than hand-rolled parsing). Each subcommand lives in its own
 * folder and exports a Command; this file only assembles them.
 */
import { Command, CommanderError } from 'commander';
import { runDemo } from './demo';
import { intOption } from './options';
import { nodeCommand } from './node/command';
import { clientCommands } from './client/commands';
import { dhtCommands } from './client/dhtCommands';
import { simCommand } from './sim/command';

function demoCommand(): Command {
  return new Command('demo')
    .description('build a simulated mesh (virtual time) and a UDP mesh on loopback, route exact and fuzzy messages through both, print what happened')
    .option('--nodes <n>', 'simulated nodes', intOption(1), 256)
    .option('--udp <n>', 'UDP nodes on loopback', intOption(1), 8)
    .option('--routes <n>', 'routes to send', intOption(1), 2000)
    .option('--seed <s>', 'seed of the simulation', intOption(0), 1)
    .action(async (o: { nodes: number; udp: number; routes: number; seed: number }) => {
      const { ok } = await runDemo({ simNodes: o.nodes, udpNodes: o.udp, routes: o.routes, seed: o.seed, print: (line) => console.log(line) });
      process.exitCode = ok ? 0 : 1;
    });
}

function buildProgram(): Command {
  const program = new Command('tapestry')
    .description('Tapestry structured peer-to-peer overlay: node daemon, client commands and simulator')
    .showHelpAfterError('(tapestry --help lists the commands)')
    .exitOverride();
  program.addCommand(demoCommand());
  // Subcommands (one line each):
  program.addCommand(nodeCommand());
  for (const c of clientCommands()) program.addCommand(c);
  for (const c of dhtCommands()) program.addCommand(c);
  program.addCommand(simCommand());
  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version exit 0; a usage error has already printed its one line.
      process.exitCode = err.exitCode;
      return;
    }
    console.error(`tapestry: ${err instanceof Error ? err.message : String(err)}`);
    process.exitCode = 2;
  }
}

void main(process.argv.slice(2)).then(() => {
  // A failed command exits at once (a daemon that is still serving keeps running until its signal).
  if (process.exitCode !== undefined && process.exitCode !== 0) process.exit(process.exitCode);
});
