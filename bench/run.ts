/**
 * `npm run bench`: every figure BENCHMARKS.md quotes, each printed as one JSON line
 * {"bench": "<name>", ...}. Speed figures come with a baseline measured in the same process.
 */
import { benchAmplification } from './amplification';
import { benchAnycast, benchMobile } from './castModules';
import { benchMulticast } from './multicast';
import { benchDaemon } from './daemon';
import { benchDhtSim } from './dhtSim';
import { benchFuzz } from './fuzz';
import { benchHopCost } from './hopCost';
import { benchBareSimulator, benchHops } from './hops';
import { benchJoinBuild, benchJoinCost, benchUdpJoin } from './join';
import { benchLocateRdp, benchLocateUdp } from './locate';
import { benchLoss } from './loss';
import { benchPeers } from './peers';
import { benchRecordsSim, benchRecordsUdp } from './records';
import { benchSecurity } from './security';
import { benchIdentityPuzzle, benchSecurityRouting } from './securityRouting';
import { benchUdpForward } from './udpForward';

const emit = (bench: string, fields: Record<string, unknown>) => console.log(JSON.stringify({ bench, ...fields }));

async function main(): Promise<void> {
  const only = process.argv[2];
  if (!only || only === 'hops') {
    const small = await benchHops(1_000, 20_000);
    emit('hops', small);
    const large = await benchHops(10_000, 20_000);
    emit('hops', large);
    const bare = benchBareSimulator(10_000, 200_000);
    emit('simulator-speed', {
      n: 10_000,
      overlayHopsPerSecond: large.overlayHopsPerSecond,
      bareSimulatorDatagramsPerSecond: bare.datagramsPerSecond,
      ratio: Number(((large.overlayHopsPerSecond as number) / bare.datagramsPerSecond).toFixed(3)),
    });
  }
  if (!only || only === 'locate') {
    for (const fanout of [1, 3]) {
      emit('locate-rdp', await benchLocateRdp(10_000, 2_000, 4_000, fanout));
      emit('locate-rdp', await benchLocateRdp(10_000, 2_000, 4_000, fanout, { backups: 1, neighbours: 1, hops: 1 }));
      emit('locate-rdp', await benchLocateRdp(10_000, 2_000, 4_000, fanout, { backups: 1, neighbours: 5, hops: 3 }));
    }
  }
  if (!only || only === 'locate' || only === 'locate-udp') {
    emit('locate-udp', await benchLocateUdp(1_000, 1_000, 2_000));
  }
  if (!only || only === 'join') {
    for (const n of [100, 500, 1_000]) emit('join-cost', await benchJoinCost(n, 20));
  }
  if (!only || only === 'udp-join') {
    emit('udp-join', await benchUdpJoin(1_000));
  }
  if (only === 'join-build') {
    // Long: not part of the default run. `npx tsx bench/run.ts join-build 10000`.
    emit('join-build', await benchJoinBuild(Number(process.argv[3] ?? 10_000)));
  }
  if (!only || only === 'cast') {
    // The sizes of the multicast bench, so the three modules are measured on the same meshes.
    for (const n of [4_096, 10_000]) {
      for (const members of [256, 1_024]) emit('anycast', await benchAnycast(n, members, 300));
      emit('mobile', await benchMobile(n, 5));
    }
  }
  if (!only || only === 'daemon') {
    emit('daemon', await benchDaemon());
  }
  if (!only || only === 'multicast') {
    for (const n of [4_096, 10_000]) for (const row of await benchMulticast(n, [256, 1_024])) emit('multicast', row);
  }
  if (!only || only === 'security') {
    emit('security', await benchSecurity());
  }
  if (!only || only === 'security-routing') {
    for (const row of await benchSecurityRouting()) emit('security-routing', row);
    for (const row of benchIdentityPuzzle()) emit('identity-puzzle', row);
  }
  if (!only || only === 'amplification') {
    for (const row of await benchAmplification()) emit('amplification', row);
  }
  if (!only || only === 'records') {
    emit('records', await benchRecordsSim());
    emit('records', await benchRecordsUdp());
  }
  if (!only || only === 'loss') {
    for (const row of await benchLoss()) emit('loss', row);
  }
  if (only === 'peers') {
    // Long (minutes of maintenance on N real sockets): not part of the default run.
    // `npm run bench:peers -- --nodes 1000 --settle-minutes 5` (flags: bench/peers/args.ts).
    await benchPeers(process.argv.slice(3), (fields) => emit('peers', fields));
  }
  if (only === 'dht-sim') {
    // Long at full size (10,000 living nodes, failure, churn): not part of the default run.
    // `npx tsx bench/run.ts dht-sim --nodes 10000` (flags: bench/dhtSim.ts; --nodes 1000 is quick).
    await benchDhtSim(process.argv.slice(3), (fields) => emit('dht-sim', fields));
  }
  if (!only || only === 'fuzz') {
    emit('fuzz', await benchFuzz(1_000_000));
  }
  if (!only || only === 'hopcost') {
    for (const row of await benchHopCost(2_000, 64)) emit('hopcost', row);
  }
  if (!only || only === 'udp') {
    emit('udp-forward', await benchUdpForward(3_000, 100));
    emit('udp-forward', await benchUdpForward(3_000, 1_000));
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
