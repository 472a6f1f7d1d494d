import { challengeMessage } from '../../security/challenge';
import { Identity } from '../../security/identity';
import { SignedSecurityProvider } from '../../security/signedProvider';
import type { Guid } from '../../routing/guid';
import type { SimNetwork, SimTransport } from '../../transport/simNetwork';
import type { Address } from '../../transport/types';
import { decodeFrame, encodeFrame, guidCheck } from '../../wire/codec';
import { encodeLocation } from '../../wire/locationCodec';
import { encodeMembership } from '../../wire/membershipCodec';
import { LOCATION_MODULE_ID, type LocationMsg } from '../../location/messages';
import { MEMBERSHIP_MODULE_ID, type MembershipMsg } from '../../membership/messages';
import { WIRE_VERSION, type Body, type NodeHandle } from '../../routing/messages';

/**
 * A hostile endpoint on the simulated network that speaks the wire format by hand: it claims any GUID
 * it likes, answers pings with whatever credential and proof it chooses, and sends crafted frames.
 */
export class Forger {
  readonly transport: SimTransport;
  readonly key: SignedSecurityProvider;
  /** What the forger claims to be in every frame it sends. */
  claimed: Guid;
  /** How it answers a ping's challenge: with its own key (a mismatch with the claimed GUID) by default. */
  answer: (challenge: Uint8Array, pinger: Guid) => { credential: Uint8Array; proof: Uint8Array } | undefined;
  pingsAnswered = 0;

  constructor(network: SimNetwork, seed: number, claimed?: Guid) {
    this.transport = network.createTransport();
    const identity = Identity.fromSeed(new Uint8Array(32).fill(seed & 0xff));
    this.key = new SignedSecurityProvider(identity);
    this.claimed = claimed ?? identity.guid();
    this.answer = (challenge, pinger) => ({ credential: this.key.credential(), proof: this.key.sign(challengeMessage(challenge, pinger, this.handle)) });
    this.transport.onReceive((bytes, from) => this.receive(bytes, from));
  }

  get handle(): NodeHandle {
    return { guid: this.claimed, address: this.transport.local };
  }

  /** Sends one frame with the claimed GUID as sender. */
  send(to: Address, body: Body): void {
    this.transport.send(to, encodeFrame({ version: WIRE_VERSION, sender: this.handle, messageId: 0, body }));
  }

  /** A membership message straight to a node, as a DirectMsg. */
  sendMembership(to: NodeHandle, msg: MembershipMsg): void {
    this.send(to.address, { kind: 'direct', direct: { destCheck: guidCheck(to.guid), moduleId: MEMBERSHIP_MODULE_ID, payload: encodeMembership(msg), hops: 0 } });
  }

  /** A location message routed from node `via` toward `dest` (its surrogate root), as any route frame. */
  routeLocation(via: NodeHandle, dest: Guid, msg: LocationMsg): void {
    this.send(via.address, {
      kind: 'route',
      route: { source: this.handle, dest, fuzzy: true, ttl: 32, hops: 0, level: 0, moduleId: LOCATION_MODULE_ID, payload: encodeLocation(msg), routeId: 1 },
    });
  }

  private receive(bytes: Uint8Array, from: Address): void {
    const frame = decodeFrame(bytes);
    if (frame.body.kind !== 'ping') return;
    this.pingsAnswered++;
    const ping = frame.body.ping;
    const proof = ping.challenge ? this.answer(ping.challenge, frame.sender.guid) : undefined;
    this.send(from, { kind: 'pong', pong: proof ? { nonce: ping.nonce, ...proof } : { nonce: ping.nonce } });
  }
}
