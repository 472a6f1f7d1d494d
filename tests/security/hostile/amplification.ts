/**
 * Amplification of every request an outsider can send without proving anything: for each kind, the
 * attacker sends requests that name a third party's address (a socket it owns, standing for a
 * victim), and the same requests naming itself; what arrives at each socket is counted. The
 * amplification factor is bytes arrived / bytes the attacker sent (the target is ≤ 1).
 *
 * The attacker never answers: the named addresses prove nothing (no pong, no echoed cookie), as a
 * spoofed victim could not.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { TapestryNode } from '../../../index';
import { Attacker, Endpoint, LOCATION_MODULE, MEMBERSHIP_MODULE, encodeLocation, encodeMembership, wireHandle, type WireHandle } from './protoAttacker';
import { peerOf } from './honestMesh';

const rand32 = (): number => randomBytes(4).readUInt32BE(0) || 1;
const freshGuid = (): Uint8Array => new Uint8Array(randomBytes(20));

/** Salted root `index` of an object (160-bit): SHA-1 of the object's bytes and the index as 4 bytes big-endian. */
export function saltedRoot(object: Uint8Array, index: number): Uint8Array {
  const salt = Buffer.alloc(4);
  salt.writeUInt32BE(index, 0);
  return new Uint8Array(createHash('sha1').update(object).update(salt).digest());
}

export interface Context {
  /** An object some node of the mesh published (locates have something to find). */
  readonly object: Uint8Array;
}

/** One request of a kind to `to`, naming `named` (the address replies or probes would go to); fresh GUIDs each time. */
type Request = (a: Attacker, to: TapestryNode, named: (guid: Uint8Array) => WireHandle, ctx: Context) => void;

/** Every request kind an unproven sender can make, by name. */
export const REQUESTS: Record<string, Request> = {
  /** A join request routed toward the joining GUID's surrogate: it multicasts, and the mesh measures the joiner. */
  joinRequest: (a, to, named) => {
    const joining = named(freshGuid());
    a.route(peerOf(to), { dest: joining.guid, fuzzy: true, moduleId: MEMBERSHIP_MODULE, payload: encodeMembership({ joinRequest: { joining, joinId: rand32() } }), source: joining }, joining);
  },
  /** A join multicast straight to a node, as if from a surrogate: it measures the joiner and acknowledges. */
  joinMulticast: (a, to, named) => {
    const joining = named(freshGuid());
    a.membership(peerOf(to), { multicast: { joining, joinId: rand32(), level: 0, multicastId: rand32() } }, named(freshGuid()));
  },
  /** A routing-table level asked for: answered with up to a slot's entries per digit. */
  neighbourRequest: (a, to, named) => {
    a.membership(peerOf(to), { neighbourRequest: { requestId: rand32(), level: 0 } }, named(freshGuid()));
  },
  /** The leaf set asked for. */
  leafSetRequest: (a, to, named) => {
    a.membership(peerOf(to), { neighbourRequest: { requestId: rand32(), level: 0, leafSet: true } }, named(freshGuid()));
  },
  /** "I measured you": the node challenges the sender before it lists it. */
  adopt: (a, to, named) => {
    a.membership(peerOf(to), { adopt: { rttMs: 1, listsYou: true } }, named(freshGuid()));
  },
  /** A leave naming a replacement: the node measures the replacement. */
  leaveReplacement: (a, to, named) => {
    a.membership(peerOf(to), { leave: { leaving: wireHandle(freshGuid(), 9), replacement: named(freshGuid()) } }, named(freshGuid()));
  },
  /** A ping with a challenge and an admission question: answered with a signed pong. */
  pingChallenge: (a, to, named) => {
    a.ping(peerOf(to), rand32(), new Uint8Array(randomBytes(32)), named(freshGuid()), true);
  },
  /** A locate routed toward the object's first salted root: the server answers the named origin. */
  locate: (a, to, named, ctx) => {
    const origin = named(freshGuid());
    const locate = { locateId: rand32(), object: ctx.object, origin, query: new Uint8Array(0), wanted: 1, saltIndex: 0, pathLatency: 0 };
    a.route(peerOf(to), { dest: saltedRoot(ctx.object, 0), fuzzy: true, moduleId: LOCATION_MODULE, payload: encodeLocation({ locate }), source: origin }, origin);
  },
  /** A request (route with a request id) to a GUID nobody holds: the root replies to the named source. */
  routeRequest: (a, to, named) => {
    const source = named(freshGuid());
    a.route(peerOf(to), { dest: freshGuid(), fuzzy: false, moduleId: 0, payload: new Uint8Array(8), requestId: rand32(), source }, source);
  },
};

export interface AmplificationRow {
  type: string;
  /** Requests sent (one datagram each). */
  datagramsSent: number;
  bytesSent: number;
  /** Requests naming the third party: what reached the third party's socket. */
  thirdPartyBytes: number;
  thirdPartyDatagrams: number;
  /** …and what came back to the attacker's own (unproven) source for those requests. */
  sourceBytes: number;
  sourceDatagrams: number;
  /** Requests naming the attacker's own socket (unproven): what reached it. */
  selfBytesSent: number;
  selfBytes: number;
  selfDatagrams: number;
  /** thirdPartyBytes / bytesSent. */
  thirdPartyFactor: number;
  /** (sourceBytes) / bytesSent and selfBytes / selfBytesSent: the larger. */
  sourceFactor: number;
}

/** Waits until no socket in `eps` received anything for `quietMs` (at most `maxMs`). */
async function settle(eps: Endpoint[], quietMs: number, maxMs: number): Promise<void> {
  const end = Date.now() + maxMs;
  let last = -1;
  let since = Date.now();
  while (Date.now() < end) {
    const now = eps.reduce((s, e) => s + e.datagramsIn, 0);
    if (now !== last) {
      last = now;
      since = Date.now();
    } else if (Date.now() - since >= quietMs) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

const ratio = (a: number, b: number): number => (b === 0 ? 0 : Number((a / b).toFixed(3)));

/**
 * Measures every kind in `types` at once (each with its own sockets, so nothing is shared): `perType`
 * requests of a kind, each to a different node of `nodes` (cycling), once naming a third party and
 * once naming the attacker itself.
 */
export async function measureAmplification(nodes: readonly TapestryNode[], ctx: Context, perType: number, types: string[] = Object.keys(REQUESTS), quietMs = 2_500, maxMs = 20_000): Promise<AmplificationRow[]> {
  const opened: Array<Attacker | Endpoint> = [];
  try {
    const runs = await Promise.all(types.map(async (type, k) => {
      const named = await Attacker.open();
      const third = await Endpoint.open();
      const self = await Attacker.open();
      opened.push(named, third, self);
      for (let i = 0; i < perType; i++) {
        const to = nodes[(k + i * 7) % nodes.length];
        REQUESTS[type](named, to, (g) => wireHandle(g, third.port), ctx);
        REQUESTS[type](self, to, (g) => wireHandle(g, self.port), ctx);
      }
      return { type, named, third, self };
    }));
    await settle(runs.flatMap((r) => [r.named.endpoint, r.third, r.self.endpoint]), quietMs, maxMs);
    return runs.map(({ type, named, third, self }) => {
      const n = named.endpoint;
      const s = self.endpoint;
      return {
        type,
        datagramsSent: n.datagramsOut,
        bytesSent: n.bytesOut,
        thirdPartyBytes: third.bytesIn,
        thirdPartyDatagrams: third.datagramsIn,
        sourceBytes: n.bytesIn,
        sourceDatagrams: n.datagramsIn,
        selfBytesSent: s.bytesOut,
        selfBytes: s.bytesIn,
        selfDatagrams: s.datagramsIn,
        thirdPartyFactor: ratio(third.bytesIn, n.bytesOut),
        sourceFactor: Math.max(ratio(n.bytesIn, n.bytesOut), ratio(s.bytesIn, s.bytesOut)),
      };
    });
  } finally {
    await Promise.all(opened.map((o) => o.close()));
  }
}
