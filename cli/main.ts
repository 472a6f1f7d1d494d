/** The `tapestry` command. */
import { parseArgs } from 'node:util';
import { runDemo } from './demo';

const USAGE = `usage: tapestry demo [--nodes N] [--udp N] [--routes N] [--seed S]

  demo   build a simulated mesh (virtual time) and a UDP mesh on loopback,
         route exact and fuzzy messages through both, print what happened`;

async function main(argv: string[]): Promise<number> {
  const { positionals, values } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      nodes: { type: 'string', default: '256' },
      udp: { type: 'string', default: '8' },
      routes: { type: 'string', default: '2000' },
      seed: { type: 'string', default: '1' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  const command = positionals[0] ?? 'demo';
  if (values.help || command !== 'demo') {
    console.log(USAGE);
    return values.help ? 0 : 2;
  }
  const int = (name: string, v: string, min: number): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < min) throw new Error(`--${name} must be an integer ≥ ${min}, got "${v}"`);
    return n;
  };
  const { ok } = await runDemo({
    simNodes: int('nodes', values.nodes!, 1),
    udpNodes: int('udp', values.udp!, 1),
    routes: int('routes', values.routes!, 1),
    seed: int('seed', values.seed!, 0),
    print: (line) => console.log(line),
  });
  return ok ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(err instanceof Error ? err.message : err);
    process.exit(2);
  },
);
