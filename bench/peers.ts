/**
 * `npm run bench:peers -- [flags]` (bench/peers/args.ts): the benchmark that runs tapestry the way an
 * application would — N UDP nodes in one process on 127.0.0.1 with createNode's default options
 * (hop acknowledgements, heartbeats, repair, republish, `signed`), built by joins or prefilled —
 * lets maintenance run, then times route round trips, publishes, locates and the DHT module's
 * putValue / getValue one at a time (`--kinds` picks which). In the same run, dht-rpc and
 * bittorrent-dht meshes of the same N do their lookups and put/get, and the ratios tapestry/peer are
 * printed (route/lookup, put/put, get/get, and publish/put, locate/get). Every figure is one JSON line {"bench": "peers", ...}; progress
 * goes to stderr.
 *
 * No node is killed in any mesh, so every failure a tapestry node detects is a false one.
 */
import { parsePeersArgs } from './peers/args';
import { runBittorrentDht } from './peers/bittorrentDht';
import { runDhtRpc } from './peers/dhtRpc';
import type { OpFigures } from './peers/measure';
import { ratios } from './peers/peerCommon';
import { runTapestry } from './peers/tapestryRun';

export async function benchPeers(argv: readonly string[], emit: (fields: Record<string, unknown>) => void): Promise<void> {
  const args = parsePeersArgs(argv);
  emit({ phase: 'config', ...args });
  const tapestry = await runTapestry(args, emit);
  if (!args.peers) return;
  const peers: Array<[string, (a: typeof args, e: typeof emit) => Promise<Map<string, OpFigures>>]> = [
    ['dht-rpc', runDhtRpc],
    ['bittorrent-dht', runBittorrentDht],
  ];
  for (const [name, run] of peers) {
    const figures = await run(args, emit);
    emit({ phase: 'ratios', ...ratios(name, tapestry, figures) });
  }
}
