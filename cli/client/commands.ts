/**
 * The client commands: `tapestry status | table | leafset | route | request | publish | unpublish |
 * locate | ping` (the DHT's in dhtCommands.ts), each one call to a daemon's control API (--node URL). Human-readable output by
 * default, the API's JSON with --json; exit codes from control.ts.
 */
import { Command } from 'commander';
import { intOption } from '../options';
import { call, callLines, ClientError, DEFAULT_NODE_URL } from './control';
import { formatLeafSet, formatLocate, formatStatus, formatTable, type LocateLine, type Peer } from './format';

/** The options every client command takes. */
export interface Common {
  readonly node: string;
  readonly json?: boolean;
}

/** A client command with --node and --json; `run` prints and sets the exit code. */
export function client(name: string, description: string): Command {
  return new Command(name)
    .description(description)
    .option('--node <url>', "the daemon's control API", DEFAULT_NODE_URL)
    .option('--json', 'print the JSON answer');
}

/** Runs `work`, turning a ClientError into its one line and exit code. */
export async function run(work: () => Promise<void>): Promise<void> {
  try {
    await work();
  } catch (err) {
    if (!(err instanceof ClientError)) throw err;
    console.error(`tapestry: ${err.message}`);
    process.exitCode = err.exitCode;
  }
}

/** Prints the JSON answer with --json, else the human line. */
export const print = (o: Common, value: unknown, human: string) => console.log(o.json ? JSON.stringify(value) : human);

export function clientCommands(): Command[] {
  return [
    client('status', "a daemon's lifecycle state, GUID, address, uptime and counts").action((o: Common) => run(async () => {
      const s = await call<Parameters<typeof formatStatus>[0]>(o.node, '/status');
      print(o, s, formatStatus(s));
    })),
    client('table', "a daemon's routing table and backpointers").action((o: Common) => run(async () => {
      const t = await call<Parameters<typeof formatTable>[0]>(o.node, '/table');
      print(o, t, formatTable(t));
    })),
    client('leafset', "a daemon's leaf set").action((o: Common) => run(async () => {
      const l = await call<{ smaller: Peer[]; larger: Peer[] }>(o.node, '/leafset');
      print(o, l, formatLeafSet(l));
    })),
    client('route', 'route a message to a GUID (hex) or a name (hashed)')
      .argument('<dest>').argument('[payload]', 'the message', '')
      .option('--fuzzy', 'deliver at the surrogate root when no node holds the GUID')
      .option('--ttl <hops>', 'most hops', intOption(1, 255))
      .action((dest: string, payload: string, o: Common & { fuzzy?: boolean; ttl?: number }) => run(async () => {
        const r = await call<{ dest: string }>(o.node, '/route', { dest, payload, fuzzy: o.fuzzy === true, ...(o.ttl ? { ttl: o.ttl } : {}) });
        print(o, r, `sent to ${r.dest}`);
      })),
    client('request', 'send a request and print the reply (a daemon answers with the payload it got)')
      .argument('<dest>').argument('[payload]', 'the request', '')
      .option('--fuzzy', 'answered by the surrogate root when no node holds the GUID')
      .option('--timeout <ms>', 'how long to wait', intOption(1, 120_000), 10_000)
      .action((dest: string, payload: string, o: Common & { fuzzy?: boolean; timeout: number }) => run(async () => {
        const r = await call<{ from: Peer; hops: number; rttMs: number; reply: string }>(o.node, '/request', { dest, payload, fuzzy: o.fuzzy === true, timeoutMs: o.timeout });
        print(o, r, `reply from ${r.from.guid} (${r.from.address}) in ${r.rttMs.toFixed(1)} ms, ${r.hops} hops: ${r.reply}`);
      })),
    client('publish', 'publish an object (GUID or name) served by the daemon')
      .argument('<object>').option('--tag <tag>', 'a tag locates can select it by')
      .action((object: string, o: Common & { tag?: string }) => run(async () => {
        const r = await call<{ published: string; acknowledged: number }>(o.node, '/publish', { object, ...(o.tag ? { tag: o.tag } : {}) });
        print(o, r, `published ${r.published} (acknowledged by ${r.acknowledged} salted roots)`);
      })),
    client('unpublish', "withdraw the daemon's replica of an object").argument('<object>')
      .action((object: string, o: Common) => run(async () => {
        const r = await call<{ unpublished: string; acknowledged: number }>(o.node, '/unpublish', { object });
        print(o, r, `unpublished ${r.unpublished} (acknowledged by ${r.acknowledged} salted roots)`);
      })),
    client('locate', 'find replicas of an object, nearest first (exit 1 when none is found)')
      .argument('<object>')
      .option('--replicas <n>', 'how many distinct replicas', intOption(1, 32), 1)
      .option('--query <tag>', 'only replicas with this tag')
      .option('--timeout <ms>', 'how long to look', intOption(1, 120_000), 10_000)
      .action((object: string, o: Common & { replicas: number; query?: string; timeout: number }) => run(async () => {
        let found = 0;
        for await (const line of callLines<LocateLine>(o.node, '/locate', { object, replicas: o.replicas, timeoutMs: o.timeout, ...(o.query ? { query: o.query } : {}) })) {
          if ('error' in line) throw new ClientError(String(line.error), 1);
          if (!('done' in line)) found++;
          console.log(o.json ? JSON.stringify(line) : formatLocate(line));
        }
        if (found === 0) process.exitCode = 1;
      })),
    client('ping', 'measure the round trip from the daemon to a node address').argument('<host:port>')
      .option('--timeout <ms>', 'how long to wait', intOption(1, 120_000), 5_000)
      .action((address: string, o: Common & { timeout: number }) => run(async () => {
        const r = await call<{ rttMs: number }>(o.node, '/ping', { address, timeoutMs: o.timeout });
        print(o, r, `${address}: ${r.rttMs.toFixed(2)} ms`);
      })),
  ];
}
