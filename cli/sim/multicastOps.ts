/**
 * Bayeux multicast: the module is registered on every live node, one node creates a session, a
 * modest member set joins, and the creator multicasts `count` times a virtual second apart. What
 * is reported: members joined, delivery share (copies received over members × multicasts, each
 * copy counted once), duplicates, RDP of each copy (arrival delay over the direct latency from the
 * source) and the datagrams the joins and the multicasts put on the wire.
 */
import type { SeededRng } from '../../sim/random';
import { bayeux, type Bayeux } from '../../upcalls/bayeux';
import { rdpFigures, round, share, type RdpFigures } from './figures';
import type { SimMesh } from './mesh';
import type { Progress } from './progress';
import { upNodes } from './steadyOps';
import type { Traffic, TrafficCounter } from './traffic';
import { advance, settle } from './virtualTime';

const SESSION = 'tapestry-sim';
/** Members: a tenth of the live nodes, between 1 and MAX_MEMBERS. */
const MAX_MEMBERS = 100;
const SPACING_MS = 1_000;

export interface MulticastFigures {
  readonly sessionCreated: boolean;
  readonly members: number;
  readonly membersJoined: number;
  readonly multicasts: number;
  readonly expectedCopies: number;
  readonly received: number;
  readonly duplicates: number;
  readonly deliveryShare: number;
  readonly rdp: RdpFigures;
  readonly joinTraffic: Traffic & { readonly datagramsPerMember: number };
  readonly multicastTraffic: Traffic & { readonly datagramsPerMulticast: number };
}

export async function runMulticast(mesh: SimMesh, count: number, rng: SeededRng, traffic: TrafficCounter, progress: Progress): Promise<MulticastFigures> {
  const live = upNodes(mesh);
  const mc = new Map<number, Bayeux>();
  for (const i of live) mc.set(i, mesh.nodes[i].register(bayeux()));
  await advance(mesh.network, 2_000);

  const creator = live[rng.int(live.length)];
  const created = await settle(mesh.network, mc.get(creator)!.createSession(SESSION), 60_000);
  const empty: MulticastFigures = {
    sessionCreated: false, members: 0, membersJoined: 0, multicasts: 0, expectedCopies: 0, received: 0, duplicates: 0, deliveryShare: 0,
    rdp: rdpFigures([]), joinTraffic: { datagrams: 0, bytes: 0, datagramsPerMember: 0 }, multicastTraffic: { datagrams: 0, bytes: 0, datagramsPerMulticast: 0 },
  };
  if (created?.status !== 'fulfilled') return empty;
  await advance(mesh.network, 3_000);

  const wanted = Math.min(MAX_MEMBERS, live.length - 1, Math.max(1, Math.floor(live.length / 10)));
  const set = new Set<number>();
  while (set.size < wanted) {
    const i = live[rng.int(live.length)];
    if (i !== creator) set.add(i);
  }
  const members = [...set];
  /** Arrival time of multicast k at member m: key `${m}:${k}`. */
  const arrivals = new Map<string, number>();
  let duplicates = 0;
  let mark = traffic.snapshot();
  progress.start('multicast', count);
  const joins = await settle(
    mesh.network,
    Promise.allSettled(members.map((m) => mc.get(m)!.join(SESSION, {
      onMessage: (payload) => {
        const key = `${m}:${new DataView(payload.buffer, payload.byteOffset, payload.byteLength).getUint32(0)}`;
        if (arrivals.has(key)) duplicates++;
        else arrivals.set(key, mesh.now);
      },
    }))),
    120_000,
  );
  const joinTraffic = traffic.since(mark);
  const joined = joins?.status === 'fulfilled' ? members.filter((_, k) => joins.value[k].status === 'fulfilled') : [];

  mark = traffic.snapshot();
  const sentAt: number[] = [];
  for (let k = 0; k < count; k++) {
    const payload = new Uint8Array(64);
    new DataView(payload.buffer).setUint32(0, k);
    sentAt.push(mesh.now);
    mc.get(creator)!.multicast(SESSION, payload);
    await advance(mesh.network, SPACING_MS, 50);
    progress.update(k + 1);
  }
  await advance(mesh.network, 5_000, 100);
  const multicastTraffic = traffic.since(mark);
  progress.stop();

  const rdp: number[] = [];
  let received = 0;
  for (const m of joined) {
    for (let k = 0; k < count; k++) {
      const at = arrivals.get(`${m}:${k}`);
      if (at === undefined) continue;
      received++;
      rdp.push((at - sentAt[k]) / mesh.latency(creator, m));
    }
  }
  const expected = joined.length * count;
  return {
    sessionCreated: true,
    members: members.length,
    membersJoined: joined.length,
    multicasts: count,
    expectedCopies: expected,
    received,
    duplicates,
    deliveryShare: share(received, expected),
    rdp: rdpFigures(rdp),
    joinTraffic: { ...joinTraffic, datagramsPerMember: round(joinTraffic.datagrams / Math.max(1, members.length), 2) },
    multicastTraffic: { ...multicastTraffic, datagramsPerMulticast: round(multicastTraffic.datagrams / Math.max(1, count), 2) },
  };
}
