/**
 * A hostile peer on a simulated network: an endpoint of its own that sends hand-crafted frames
 * (forged sender GUIDs, endless fragments, publish floods) straight to a victim's address.
 */
import { Guid } from '../../routing/guid';
import type { SeededRng } from '../../sim/random';
import type { SimNetwork, SimTransport } from '../../transport/simNetwork';
import { encodeFrame, guidCheck } from '../../wire/codec';
import { encodeLocation } from '../../wire/locationCodec';
import { LOCATION_MODULE_ID } from '../../location/messages';
import { WIRE_VERSION, type DirectMsg, type NodeHandle } from '../../routing/messages';

export class HostilePeer {
  readonly transport: SimTransport;
  readonly handle: NodeHandle;

  constructor(network: SimNetwork, private readonly rng: SeededRng) {
    this.transport = network.createTransport();
    this.handle = { guid: this.randomGuid(), address: this.transport.local };
  }

  randomGuid(): Guid {
    return Guid.random(() => this.rng.int(256));
  }

  /** One DirectMsg frame to `victim`, as if sent by `sender` (default: this peer). */
  direct(victim: NodeHandle, direct: Omit<DirectMsg, 'destCheck' | 'hops'>, sender: NodeHandle = this.handle): void {
    const frame = encodeFrame({
      version: WIRE_VERSION, sender, messageId: 0,
      body: { kind: 'direct', direct: { destCheck: guidCheck(victim.guid), hops: 0, ...direct } },
    });
    this.transport.send(victim.address, frame);
  }

  /** The first piece of a message of `count` pieces that never completes. */
  fragment(victim: NodeHandle, messageId: number, bytes: number, sender?: NodeHandle): void {
    const payload = new Uint8Array(bytes).fill(0xab);
    this.direct(victim, { moduleId: 0, payload, fragment: { messageId, index: 0, count: 2048 } }, sender);
  }

  /** A publish of a fresh random object naming `server` as its replica, stored at `victim`. */
  publish(victim: NodeHandle, server: NodeHandle): void {
    const payload = encodeLocation({
      kind: 'publish',
      publish: {
        object: this.randomGuid(), server, tag: '', saltIndex: 0, sequence: 1, lifetimeMs: 86_400_000,
        pathLatency: 0, extra: false,
      },
    });
    this.direct(victim, { moduleId: LOCATION_MODULE_ID, payload });
  }
}
