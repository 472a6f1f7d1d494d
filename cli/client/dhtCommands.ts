/**
 * The DHT's client commands: `tapestry put | get | remove | provide | unprovide | providers`, each
 * one call to a daemon's `/dht/...` API. Values are UTF-8 strings; `get` prints the value alone (so
 * `$(tapestry get key)` is the value) and ends 1 with "not found" when no node holds one.
 */
import { Command } from 'commander';
import { DEFAULTS } from '../../defaults';
import { intOption } from '../options';
import { client, print, run, type Common } from './commands';
import { call, callLines, ClientError } from './control';
import { formatProvider, type ProviderLine } from './format';

export function dhtCommands(): Command[] {
  return [
    client('put', 'store a value (a UTF-8 string) under a key (GUID or name) in the DHT').argument('<key>').argument('<value>')
      .action((key: string, value: string, o: Common) => run(async () => {
        const r = await call<{ key: string; stored: number }>(o.node, '/dht/put', { key, value });
        print(o, r, `stored under ${r.key} at ${r.stored} root(s)`);
      })),
    client('get', 'print the value stored under a key (exit 1 "not found" when none is)').argument('<key>')
      .option('--quorum <n>', 'answers with a value to wait for before taking the newest', intOption(1, DEFAULTS.dhtSalts), 1)
      .option('--timeout <ms>', 'how long to wait', intOption(1, 120_000), 10_000)
      .action((key: string, o: Common & { quorum: number; timeout: number }) => run(async () => {
        const r = await call<{ value: string }>(o.node, '/dht/get', { key, quorum: o.quorum, timeoutMs: o.timeout });
        print(o, r, r.value);
      })),
    client('remove', "withdraw the daemon's value under a key").argument('<key>')
      .action((key: string, o: Common) => run(async () => {
        const r = await call<{ removed: string }>(o.node, '/dht/remove', { key });
        print(o, r, `removed ${r.removed}`);
      })),
    client('provide', 'advertise the daemon as a provider of a key').argument('<key>')
      .action((key: string, o: Common) => run(async () => {
        const r = await call<{ providing: string }>(o.node, '/dht/provide', { key });
        print(o, r, `providing ${r.providing}`);
      })),
    client('unprovide', 'stop advertising the daemon as a provider of a key').argument('<key>')
      .action((key: string, o: Common) => run(async () => {
        const r = await call<{ unprovided: string }>(o.node, '/dht/unprovide', { key });
        print(o, r, `no longer providing ${r.unprovided}`);
      })),
    client('providers', 'find providers of a key, nearest first (exit 1 when none is found)').argument('<key>')
      .option('--count <n>', 'most providers', intOption(1, 32), 20)
      .option('--timeout <ms>', 'how long to look', intOption(1, 120_000), 10_000)
      .action((key: string, o: Common & { count: number; timeout: number }) => run(async () => {
        let found = 0;
        for await (const line of callLines<ProviderLine>(o.node, '/dht/providers', { key, count: o.count, timeoutMs: o.timeout })) {
          if ('error' in line) throw new ClientError(String(line.error), 1);
          if (!('done' in line)) found++;
          console.log(o.json ? JSON.stringify(line) : formatProvider(line));
        }
        if (found === 0) process.exitCode = 1;
      })),
  ];
}
