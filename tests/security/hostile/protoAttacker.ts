/**
 * A hostile peer that speaks only the published wire format: every frame it sends is built from
 * messages.proto with protobufjs, from its own node:dgram sockets on 127.0.0.1. It never reaches
 * into the runtime's codecs or actors, so what it proves about a mesh is what any outsider with the
 * .proto file could do.
 *
 * What it knows of the protocol, from messages.proto's comments:
 * - every datagram is one Frame, version 1; `sender` is the previous hop;
 * - membership messages travel as the payload of a RouteMsg/DirectMsg with module_id 0xfff1,
 *   location messages with 0xfff0;
 * - DirectMsg.dest_check is the receiver GUID's first 4 bytes, big-endian;
 * - under `signed`, a credential is a raw ed25519 public key and the GUID its SHA-1 (160-bit ids).
 */
import { createHash, sign as edSign } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import * as path from 'node:path';
import * as protobuf from 'protobufjs';
import { Identity } from '../../../index';

const root = protobuf.loadSync(path.join(__dirname, '..', '..', '..', 'messages.proto'));
export const FrameType = root.lookupType('tapestry.Frame');
export const MembershipType = root.lookupType('tapestry.MembershipMsg');
export const LocationType = root.lookupType('tapestry.LocationMsg');

/** Module ids written in messages.proto's comments. */
export const MEMBERSHIP_MODULE = 0xfff1;
export const LOCATION_MODULE = 0xfff0;
const V4 = 1;
const LOOPBACK = Uint8Array.of(127, 0, 0, 1);

/** A NodeHandle as messages.proto spells it. */
export interface WireHandle {
  guid: Uint8Array;
  family: number;
  ip: Uint8Array;
  port: number;
}

/** Anything with a GUID and a loopback port: an honest node (its public guid/address) or an endpoint. */
export interface Peer {
  readonly guid: { readonly bytes: Uint8Array } | Uint8Array;
  readonly port: number;
}

const guidBytes = (p: Peer): Uint8Array => (p.guid instanceof Uint8Array ? p.guid : p.guid.bytes);

/** A handle for a GUID at a loopback port. */
export function wireHandle(guid: Uint8Array, port: number): WireHandle {
  return { guid, family: V4, ip: LOOPBACK, port };
}

/** DirectMsg.dest_check: the receiver GUID's first 4 bytes, big-endian. */
export function destCheck(guid: Uint8Array): number {
  return ((guid[0] << 24) | (guid[1] << 16) | (guid[2] << 8) | guid[3]) >>> 0;
}

/** The GUID of a raw ed25519 public key for 160-bit ids: its SHA-1. */
export function guidOfKey(publicKey: Uint8Array): Uint8Array {
  return new Uint8Array(createHash('sha1').update(publicKey).digest());
}

export function encodeFrame(frame: Record<string, unknown>): Uint8Array {
  return FrameType.encode(FrameType.fromObject({ version: 1, messageId: 0, ...frame })).finish();
}

export function encodeMembership(msg: Record<string, unknown>): Uint8Array {
  return MembershipType.encode(MembershipType.fromObject(msg)).finish();
}

export function encodeLocation(msg: Record<string, unknown>): Uint8Array {
  return LocationType.encode(LocationType.fromObject(msg)).finish();
}

/** A decoded Frame as a plain object (camelCase fields, bytes as Buffers, longs as numbers). */
export type Decoded = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export function decodeFrame(bytes: Uint8Array): Decoded | undefined {
  try {
    return FrameType.toObject(FrameType.decode(bytes), { longs: Number, defaults: false, oneofs: true });
  } catch {
    return undefined;
  }
}

export function decodeMembership(bytes: Uint8Array): Decoded | undefined {
  try {
    return MembershipType.toObject(MembershipType.decode(bytes), { longs: Number, defaults: false, oneofs: true });
  } catch {
    return undefined;
  }
}

export function decodeLocation(bytes: Uint8Array): Decoded | undefined {
  try {
    return LocationType.toObject(LocationType.decode(bytes), { longs: Number, defaults: false, oneofs: true });
  } catch {
    return undefined;
  }
}

export interface Received {
  readonly bytes: Uint8Array;
  readonly fromPort: number;
  readonly frame: Decoded | undefined;
}

/**
 * A UDP socket on 127.0.0.1 that counts every datagram and byte it sends and receives. Used both as
 * the attacker's own socket and as the "third party" a reflection attack names.
 */
export class Endpoint {
  readonly received: Received[] = [];
  bytesIn = 0;
  datagramsIn = 0;
  bytesOut = 0;
  datagramsOut = 0;
  private readonly handlers: Array<(r: Received) => void> = [];

  private constructor(readonly socket: Socket, readonly port: number) {
    socket.on('message', (msg, rinfo) => {
      const bytes = new Uint8Array(msg);
      this.bytesIn += bytes.length;
      this.datagramsIn++;
      const r: Received = { bytes, fromPort: rinfo.port, frame: decodeFrame(bytes) };
      if (this.received.length < 100_000) this.received.push(r);
      for (const h of this.handlers) h(r);
    });
  }

  static async open(): Promise<Endpoint> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(0, '127.0.0.1', () => {
        socket.off('error', reject);
        resolve();
      });
    });
    // A full kernel buffer or a closed peer port must not throw out of a test.
    socket.on('error', () => undefined);
    return new Endpoint(socket, socket.address().port);
  }

  onReceive(h: (r: Received) => void): void {
    this.handlers.push(h);
  }

  /** Forgets what was counted so far (a fresh measurement). */
  reset(): void {
    this.received.length = 0;
    this.bytesIn = this.datagramsIn = this.bytesOut = this.datagramsOut = 0;
  }

  sendRaw(port: number, bytes: Uint8Array): void {
    this.bytesOut += bytes.length;
    this.datagramsOut++;
    this.socket.send(bytes, port, '127.0.0.1');
  }

  close(): Promise<void> {
    return new Promise((resolve) => {
      try {
        this.socket.close(() => resolve());
      } catch {
        resolve();
      }
    });
  }
}

/** A key pair of the attacker's own: what it signs with and the GUID that key implies. */
export class AttackerKey {
  readonly identity = Identity.generate();
  readonly publicKey = this.identity.publicKey;
  readonly guid = guidOfKey(this.publicKey);

  sign(data: Uint8Array): Uint8Array {
    return new Uint8Array(edSign(null, data, this.identity.privateKeyObject));
  }
}

/**
 * The attacker: its own socket, its own key, and helpers to build and send every message kind the
 * tests need. It answers nothing unless a test installs a behaviour (relay, ack, serve).
 */
export class Attacker {
  readonly key = new AttackerKey();

  private constructor(readonly endpoint: Endpoint) {}

  static async open(): Promise<Attacker> {
    return new Attacker(await Endpoint.open());
  }

  get port(): number {
    return this.endpoint.port;
  }

  /** The attacker's honest-looking handle: its own key's GUID at its own socket. */
  get self(): WireHandle {
    return wireHandle(this.key.guid, this.port);
  }

  /** A handle claiming `guid` at the attacker's socket. */
  claiming(guid: Uint8Array): WireHandle {
    return wireHandle(guid, this.port);
  }

  send(to: Peer | number, frame: Record<string, unknown>): number {
    const bytes = encodeFrame(frame);
    this.endpoint.sendRaw(typeof to === 'number' ? to : to.port, bytes);
    return bytes.length;
  }

  /** A DirectMsg to `to` (dest_check from its GUID) from `sender`; returns the datagram's size. */
  direct(to: Peer, moduleId: number, payload: Uint8Array, sender: WireHandle = this.self, extra: Record<string, unknown> = {}): number {
    return this.send(to, { sender, direct: { destCheck: destCheck(guidBytes(to)), moduleId, payload, ...extra } });
  }

  /** A membership message straight to `to`. */
  membership(to: Peer, msg: Record<string, unknown>, sender: WireHandle = this.self): number {
    return this.direct(to, MEMBERSHIP_MODULE, encodeMembership(msg), sender);
  }

  /** A location message straight to `to`. */
  location(to: Peer, msg: Record<string, unknown>, sender: WireHandle = this.self): number {
    return this.direct(to, LOCATION_MODULE, encodeLocation(msg), sender);
  }

  /** A RouteMsg handed to `via` as first hop, toward `dest`. */
  route(via: Peer, route: { dest: Uint8Array; moduleId: number; payload: Uint8Array; fuzzy?: boolean; source?: WireHandle; requestId?: number; routeId?: number }, sender: WireHandle = this.self): number {
    return this.send(via, {
      sender,
      route: { source: route.source ?? sender, ttl: 32, hops: 0, level: 0, fuzzy: route.fuzzy ?? true, routeId: route.routeId ?? 1 + Math.floor(Math.random() * 0xfffffff0), ...route },
    });
  }

  /** A Ping (with `challenge` when given) to `to`, sent as `sender`. */
  ping(to: Peer | number, nonce: number, challenge?: Uint8Array, sender: WireHandle = this.self, admission = false): number {
    const ping: Record<string, unknown> = { nonce };
    if (challenge) ping.challenge = challenge;
    if (admission) ping.admission = true;
    return this.send(to, { sender, ping });
  }

  /** Acknowledges every route frame that asks for it, so a hop that chose this socket sees it as alive. */
  ackRoutes(): void {
    this.endpoint.onReceive((r) => {
      const f = r.frame;
      if (!f) return;
      if ((f.route?.ackWanted || (f.direct && f.messageId)) && f.messageId) this.send(r.fromPort, { sender: this.self, ack: { frameId: f.messageId } });
    });
  }

  /**
   * Man in the middle for the GUID `victim` reached at `victimPort`: every challenge ping that a node
   * sends to this socket is passed on to the victim with the pinger's GUID as sender (so the victim
   * signs for that pinger), and the victim's pong goes back to the pinger verbatim except for its
   * sender, which claims the victim's GUID at this socket. Nothing of the answer is built here: the
   * relay carries whatever the victim signed, so it stays the same attack whatever a proof covers.
   */
  relayChallenges(victim: Uint8Array, victimPort: number): { relayed: number; answered: number } {
    const counts = { relayed: 0, answered: 0 };
    // Victim's pong nonce → the pinger's port: the relayed ping keeps the pinger's nonce, so the pong echoes it.
    const waiting = new Map<number, number[]>();
    this.endpoint.onReceive((r) => {
      const f = r.frame;
      if (!f) return;
      if (f.ping && r.fromPort !== victimPort && f.ping.challenge) {
        const nonce = f.ping.nonce ?? 0;
        const list = waiting.get(nonce) ?? [];
        list.push(r.fromPort);
        waiting.set(nonce, list);
        if (waiting.size > 10_000) waiting.delete(waiting.keys().next().value!);
        counts.relayed++;
        this.send(victimPort, { sender: wireHandle(new Uint8Array(f.sender.guid), this.port), ping: f.ping });
        return;
      }
      if (f.pong && r.fromPort === victimPort) {
        const nonce = f.pong.nonce ?? 0;
        const list = waiting.get(nonce);
        const to = list?.shift();
        if (to === undefined) return;
        if (list!.length === 0) waiting.delete(nonce);
        counts.answered++;
        this.send(to, { sender: this.claiming(victim), pong: f.pong });
      }
    });
    return counts;
  }

  close(): Promise<void> {
    return this.endpoint.close();
  }
}

/** Route or direct frames this endpoint received that were meant for `guid` (a route's dest, a direct's dest_check). */
export function framesMeantFor(endpoint: Endpoint, guid: Uint8Array, moduleId?: number): number {
  const check = destCheck(guid);
  const hex = Buffer.from(guid).toString('hex');
  return endpoint.received.filter((r) => {
    const f = r.frame;
    if (f?.route) return Buffer.from(f.route.dest).toString('hex') === hex && (moduleId === undefined || (f.route.moduleId ?? 0) === moduleId);
    if (f?.direct) return (f.direct.destCheck ?? 0) === check && !f.direct.replyTo && (moduleId === undefined || (f.direct.moduleId ?? 0) === moduleId);
    return false;
  }).length;
}

/**
 * The bytes a `signed` publisher signs for a publish record (the protocol's canonical record string:
 * a length-prefixed domain tag, then kind, object, server GUID, server address, sequence, lifetime
 * and tag, integers big-endian). Built here from that description, not from the runtime's code.
 */
export function publishRecordBytes(r: { object: Uint8Array; server: WireHandle; sequence: number; lifetimeMs: number; tag?: string }): Uint8Array {
  const parts: number[] = [];
  const bytes8 = (b: Uint8Array) => parts.push(b.length, ...b);
  const u32 = (v: number) => parts.push((v >>> 24) & 0xff, (v >>> 16) & 0xff, (v >>> 8) & 0xff, v & 0xff);
  bytes8(new TextEncoder().encode('tapestry/location-record/v1'));
  parts.push(1); // publish
  bytes8(r.object);
  bytes8(r.server.guid);
  parts.push(4); // IPv4
  bytes8(r.server.ip);
  u32(r.server.port);
  u32(r.sequence);
  u32(r.lifetimeMs);
  const tag = new TextEncoder().encode(r.tag ?? '');
  parts.push(tag.length >> 8, tag.length & 0xff, ...tag);
  return Uint8Array.from(parts);
}
