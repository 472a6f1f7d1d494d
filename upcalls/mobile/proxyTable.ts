/**
 * What a proxy holds (Mobile Tapestry, Warp's "mobile nodes are objects published on their proxy"):
 * the mobile nodes attached to it, and, for a bounded time after one moved on, a forwarding entry
 * naming its new proxy, so what arrives during the move (a sender's remembered proxy, a pointer not
 * yet withdrawn) still reaches it. Pure: time as `now`; the caller publishes and unpublishes as the
 * answers say.
 */
import type { NodeHandle } from '../../routing/handle';
import type { ReplyStatus } from './messages';

export interface ProxyLimits {
  readonly maxAttachments: number;
  readonly maxForwarding: number;
  readonly forwardingMs: number;
  readonly maxForwards: number;
}

/** Where a message for a mobile node goes from this proxy. */
export type ProxyRoute =
  | { readonly kind: 'toMobile'; readonly node: NodeHandle }
  | { readonly kind: 'toProxy'; readonly proxy: NodeHandle }
  | { readonly kind: 'nack' };

export class ProxyTable {
  /** Mobile GUID hex → the mobile node (≤ maxAttachments). */
  private readonly attached = new Map<string, NodeHandle>();
  /** Mobile GUID hex → its new proxy, until `expiresAt` (≤ maxForwarding). */
  private readonly forwarding = new Map<string, { readonly to: NodeHandle; readonly expiresAt: number }>();

  constructor(private readonly limits: ProxyLimits) {}

  get attachments(): number {
    return this.attached.size;
  }

  get forwardingEntries(): number {
    return this.forwarding.size;
  }

  /** `node` attaches mobile GUID `mobile`: 'ok' (publish it), or 'refused' (full, or held for another node). */
  attach(mobile: string, node: NodeHandle): ReplyStatus {
    const held = this.attached.get(mobile);
    if (held && !held.guid.equals(node.guid)) return 'refused';
    if (!held && this.attached.size >= this.limits.maxAttachments) return 'refused';
    this.attached.set(mobile, node);
    // Back here after moving away and back: no longer forwarded elsewhere.
    this.forwarding.delete(mobile);
    return 'ok';
  }

  /**
   * `node` detaches `mobile`: 'ok' (unpublish it; forwarded to `newProxy` until now + forwardingMs
   * when there is room), or 'unknown' when it is not attached here for that node.
   */
  detach(mobile: string, node: NodeHandle, now: number, newProxy?: NodeHandle): ReplyStatus {
    const held = this.attached.get(mobile);
    if (!held || !held.guid.equals(node.guid)) return 'unknown';
    this.attached.delete(mobile);
    if (newProxy && (this.forwarding.has(mobile) || this.forwarding.size < this.limits.maxForwarding)) {
      this.forwarding.set(mobile, { to: newProxy, expiresAt: now + this.limits.forwardingMs });
    }
    return 'ok';
  }

  /** Where a message for `mobile` that passed `forwards` old proxies goes. */
  route(mobile: string, forwards: number, now: number): ProxyRoute {
    const node = this.attached.get(mobile);
    if (node) return { kind: 'toMobile', node };
    const f = this.forwarding.get(mobile);
    if (f && f.expiresAt > now && forwards < this.limits.maxForwards) return { kind: 'toProxy', proxy: f.to };
    return { kind: 'nack' };
  }

  /** Drops forwarding entries past their time. */
  expire(now: number): void {
    for (const [k, f] of this.forwarding) if (f.expiresAt <= now) this.forwarding.delete(k);
  }

  /** The earliest forwarding expiry, or Infinity. */
  nextExpiry(): number {
    let next = Infinity;
    for (const f of this.forwarding.values()) if (f.expiresAt < next) next = f.expiresAt;
    return next;
  }
}

/**
 * A sender's remembered proxies (mobile GUID hex → proxy), each trusted for `ttlMs`; bounded, the
 * oldest remembered dropped first. Pure: time as `now`.
 */
export class ProxyCache {
  private readonly entries = new Map<string, { readonly proxy: NodeHandle; readonly until: number }>();

  constructor(
    private readonly capacity: number,
    private readonly ttlMs: number,
  ) {}

  get size(): number {
    return this.entries.size;
  }

  get(mobile: string, now: number): NodeHandle | undefined {
    const e = this.entries.get(mobile);
    if (!e) return undefined;
    if (e.until <= now) {
      this.entries.delete(mobile);
      return undefined;
    }
    return e.proxy;
  }

  set(mobile: string, proxy: NodeHandle, now: number): void {
    this.entries.delete(mobile);
    if (this.entries.size >= this.capacity) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(mobile, { proxy, until: now + this.ttlMs });
  }

  delete(mobile: string): void {
    this.entries.delete(mobile);
  }
}
