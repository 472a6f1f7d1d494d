/**
 * Bayeux multicast on the transit-stub topology (sim/transitStub.ts, ~4,900 routers), side by side
 * on one mesh: the Bayeux join mode (one root, and four root replicas: Bayeux's tree partitioning),
 * the Scribe join mode, and naive unicast (the root sends one copy straight to each member). Per run: relative delay penalty of each delivery against the direct
 * path from the root, physical link stress (max and mean copies per used link, total crossings) and
 * its ratio to unicast, node stress (entries and children per node on the tree), and join cost.
 */
import { createTestnet, type Testnet } from '../testing/testnet';
import { SeededRng } from '../sim/random';
import { summarize } from '../sim/stats';
import { bayeux, type Bayeux } from '../upcalls/bayeux';
import type { Delivery, ModuleContext, UpcallModule } from '../upcalls/contract';
import type { NodeHandle } from '../routing/handle';
import { advance, settle } from './virtualTime';
import { decodeFrame } from '../wire/codec';
import { decodeBayeux } from '../wire/bayeuxCodec';
import { MODULE_IDS } from '../upcalls/moduleIds';
import type { MessageClassifier } from '../sim/linkStress';

/** The tree arms, each its own module id on the same mesh; the session's replica 0 is the same node for all. */
const TREE_ARMS = [
  { arm: 'bayeux', id: MODULE_IDS.bayeux, joinMode: 'bayeux', replicas: 1 },
  { arm: 'bayeux-4roots', id: 0xfe22, joinMode: 'bayeux', replicas: 4 },
  { arm: 'scribe', id: 0xfe20, joinMode: 'scribe', replicas: 1 },
] as const;
type ArmName = (typeof TREE_ARMS)[number]['arm'] | 'unicast';
const UNICAST_ID = 0xfe21;
const MULTICASTS = 3;
const PAYLOAD = new Uint8Array(256);
const round = (x: number) => Number(x.toFixed(3));
const dist = (xs: number[]) => {
  const s = summarize(xs);
  return { median: round(s.p50), p90: round(s.p90), max: round(s.max) };
};

/** Naive unicast from the root: one direct copy per member; deliveries call `onArrive`. */
function unicastModule(onArrive: (d: Delivery) => void): UpcallModule & { ctx?: ModuleContext } {
  const m: UpcallModule & { ctx?: ModuleContext } = {
    id: UNICAST_ID,
    name: 'unicast',
    attach(ctx) {
      m.ctx = ctx;
    },
    deliver: onArrive,
  };
  return m;
}

/**
 * Names the datagrams of a multicast's payload alone: Bayeux or Scribe data, or a unicast copy. JOIN,
 * TREE and heartbeat refreshes that happen to fall in the measured window are not counted.
 */
const dataClassifier: MessageClassifier = (bytes) => {
  let body;
  try {
    body = decodeFrame(bytes).body;
  } catch {
    return undefined;
  }
  const m = body.kind === 'route' ? body.route : body.kind === 'direct' ? body.direct : undefined;
  if (!m) return undefined;
  if (m.moduleId === UNICAST_ID) return 'unicast';
  const arm = TREE_ARMS.find((a) => a.id === m.moduleId);
  if (!arm) return undefined;
  try {
    return decodeBayeux(m.payload).kind === 'data' ? arm.arm : undefined;
  } catch {
    return undefined;
  }
};

export async function benchMulticast(n: number, memberCounts: readonly number[], seed = 1): Promise<Array<Record<string, unknown>>> {
  const net = await createTestnet({ nodes: n, seed, topology: 'transit-stub', frozen: true });
  /** arrival time per (arm, member index, multicast k) */
  const arrived = new Map<string, number>();
  const trees = new Map<string, Bayeux[]>(TREE_ARMS.map((a) => [a.arm, []]));
  const uni: Array<UpcallModule & { ctx?: ModuleContext }> = [];
  net.nodes.forEach((node, i) => {
    const u = unicastModule((d) => arrived.set(`unicast:${i}:${d.payload[0]}`, net.now));
    node.register(u);
    uni.push(u);
    for (const a of TREE_ARMS) trees.get(a.arm)!.push(node.register(bayeux({ joinMode: a.joinMode, id: a.id })));
  });
  const rng = new SeededRng(seed).fork('multicast');
  const rows: Array<Record<string, unknown>> = [];
  for (const members of memberCounts) {
    const name = `session-${members}`;
    const creator = rng.int(n);
    const roots = new Set<number>();
    for (const a of TREE_ARMS) {
      const created = await settle(net, trees.get(a.arm)![creator].createSession(name, { replicas: a.replicas }));
      roots.add(net.indexOf(created.roots[0].guid)!);
    }
    if (roots.size !== 1) throw new Error('replica 0 of one session name is one node whatever the module');
    const [root] = roots;
    await advance(net, 3_000, 100); // the roots' publishes settle
    const set = new Set<number>();
    while (set.size < members) {
      const i = rng.int(n);
      if (i !== root) set.add(i);
    }
    const list = [...set];
    const joinCost: Record<string, unknown> = {};
    for (const { arm } of TREE_ARMS) {
      const mc = trees.get(arm)!;
      const counter = net.countLinkStress();
      const results = await settle(net, Promise.allSettled(list.map((i) => mc[i].join(name, {
        onMessage: (payload) => arrived.set(`${arm}:${i}:${payload[0]}`, net.now),
      }))), 600_000, 50);
      net.stopLinkStress(counter);
      const failed = results.filter((r) => r.status === 'rejected').length;
      const reports = counter.reports();
      const dg = reports.reduce((s, r) => s + r.datagrams, 0);
      const bytes = reports.reduce((s, r) => s + r.bytes, 0);
      joinCost[arm] = { failed, datagramsPerJoin: round(dg / members), bytesPerJoin: Math.round(bytes / members) };
    }
    const byArm: Record<string, { rdp: ReturnType<typeof dist>; received: number; linkStress: { linksUsed: number; maxCopies: number; meanCopies: number; crossings: number } }> = {};
    const crossingsOf: Record<string, number> = {};
    const maxOf: Record<string, number> = {};
    for (const arm of ['unicast', ...TREE_ARMS.map((a) => a.arm)] as ArmName[]) {
      const counter = net.countLinkStress(dataClassifier);
      const rdp: number[] = [];
      let received = 0;
      for (let k = 1; k <= MULTICASTS; k++) {
        const payload = PAYLOAD.slice();
        payload[0] = k;
        const start = net.now;
        if (arm === 'unicast') for (const i of list) uni[root].ctx!.send(net.nodes[i].handle as NodeHandle, payload);
        else trees.get(arm)![root].multicast(name, payload);
        await advance(net, 5_000, 50);
        for (const i of list) {
          const at = arrived.get(`${arm}:${i}:${k}`);
          if (at === undefined || at < start) continue;
          received++;
          rdp.push((at - start) / net.latency(root, i));
        }
      }
      net.stopLinkStress(counter);
      const r = counter.report(arm);
      crossingsOf[arm] = r.crossings;
      maxOf[arm] = r.maxCopies;
      byArm[arm] = { rdp: dist(rdp), received, linkStress: { linksUsed: r.linksUsed, maxCopies: r.maxCopies, meanCopies: round(r.meanCopies), crossings: r.crossings } };
    }
    const nodeStress = (mc: Bayeux[]) => {
      const entries: number[] = [];
      const children: number[] = [];
      for (const m of mc) {
        const s = m.sessionStats(name);
        if (s.trees === 0) continue;
        entries.push(s.entries);
        children.push(s.children);
      }
      const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);
      return { treeNodes: entries.length, entriesMax: Math.max(...entries), entriesMean: round(sum(entries) / entries.length), childrenMax: Math.max(...children), childrenMean: round(sum(children) / children.length) };
    };
    rows.push({
      n, topology: 'transit-stub', routers: net.topology?.routerCount, members, multicasts: MULTICASTS, payloadBytes: PAYLOAD.length,
      delivered: Object.fromEntries(Object.entries(byArm).map(([a, v]) => [a, `${v.received}/${members * MULTICASTS}`])),
      rdp: Object.fromEntries(Object.entries(byArm).map(([a, v]) => [a, v.rdp])),
      linkStress: Object.fromEntries(Object.entries(byArm).map(([a, v]) => [a, v.linkStress])),
      unicastOver: Object.fromEntries(TREE_ARMS.map(({ arm }) => [arm, { crossings: round(crossingsOf.unicast / crossingsOf[arm]), maxCopies: round(maxOf.unicast / maxOf[arm]) }])),
      nodeStress: Object.fromEntries(TREE_ARMS.map(({ arm }) => [arm, nodeStress(trees.get(arm)!)])),
      joinCost,
    });
  }
  await net.close();
  return rows;
}

/** `npx tsx bench/multicast.ts [n] [members...]`: one run on its own. */
if (require.main === module) {
  const n = Number(process.argv[2] ?? 4_096);
  const members = process.argv.length > 3 ? process.argv.slice(3).map(Number) : [256, 1_024];
  void benchMulticast(n, members).then((rows) => rows.forEach((r) => console.log(JSON.stringify({ bench: 'multicast', ...r }))));
}
