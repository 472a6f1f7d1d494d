/**
 * `tapestry sim`: the simulator from the command line. This file only declares the options
 * (commander checks them: a bad value is one line on stderr and exit code 1) and hands a checked
 * SimArgs to runSim (run.ts).
 */
import { Command, Option } from 'commander';
import { choiceOption, intOption, numberOption } from '../options';
import { parseOps, type SimArgs } from './args';
import { runSim } from './run';

export function simCommand(): Command {
  return new Command('sim')
    .description('run a deterministic virtual-time simulation of a Tapestry mesh and write report.json and SVG plots')
    .addOption(new Option('--nodes <n>', 'nodes in the mesh (1..100000)').argParser(intOption(1, 100_000)).default(1_000))
    .addOption(new Option('--seed <s>', 'seed of every random choice (same seed, same report)').argParser(intOption(0, 2 ** 31 - 1)).default(1))
    .addOption(new Option('--topology <t>', 'physical topology: plane | transit-stub').argParser(choiceOption(['plane', 'transit-stub'] as const)).default('plane'))
    .addOption(new Option('--build <b>', 'how the mesh is built: static (converged tables) | joins (through the join protocol)').argParser(choiceOption(['static', 'joins'] as const)).default('static'))
    .addOption(new Option('--scenario <s>', 'none | failure | churn').argParser(choiceOption(['none', 'failure', 'churn'] as const)).default('none'))
    .addOption(new Option('--failure-share <x>', 'failure: share of nodes that crash at once (0 < x <= 0.99)').argParser(numberOption(0, 0.99, true)).default(0.2))
    .addOption(new Option('--churn-rate <r>', 'churn: arrivals per virtual second').argParser(numberOption(0, 1_000, true)).default(1))
    .addOption(new Option('--churn-lifetime <s>', 'churn: mean node lifetime, virtual seconds').argParser(numberOption(1, 1e7)).default(600))
    .addOption(new Option('--duration <s>', 'failure/churn: virtual seconds the scenario runs').argParser(intOption(1, 86_400)).default(120))
    .addOption(new Option('--ops <list>', 'operations: route=N,locate=N,multicast=N (kinds left out are 0)').argParser(parseOps).default(parseOps('route=1000,locate=200'), 'route=1000,locate=200'))
    .addOption(new Option('--security <s>', 'none | signed').argParser(choiceOption(['none', 'signed'] as const)).default('none'))
    .addOption(new Option('--out <dir>', 'folder for report.json and the plots').default('./sim-out'))
    .option('--quiet', 'no progress and no summary', false)
    .exitOverride()
    .action(async (o: SimArgs) => {
      await runSim({ ...o, quiet: Boolean(o.quiet) }, (line) => console.log(line));
    });
}
