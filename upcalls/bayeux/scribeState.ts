/**
 * Scribe-mode tree state of one node (pure: no I/O, time as an argument). A JOIN routed toward the
 * session's root stops at the first node already on the tree, which adds the previous hop as a
 * child; a node not yet on it adds the child, takes the JOIN's next hop as its parent and lets the
 * JOIN go on. Data goes from a parent to all its children. A member that leaves with no children
 * leaves its parent, which leaves its own parent in turn once it has no children and is no member.
 * Children lapse unless refreshed. Bounded: sessions per node, children per session.
 */
import type { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';

interface ScribeSession {
  parent?: NodeHandle;
  member: boolean;
  /** child hex → the child and when it lapses (ms). */
  readonly children: Map<string, { readonly node: NodeHandle; expiresAt: number }>;
}

/** What a JOIN passing this node leads to. */
export type JoinStep =
  /** This node was on the tree already: the child is added, the JOIN ends here. */
  | { readonly kind: 'absorbed' }
  /** This node joined the tree now: the JOIN goes on to `parent`, its new parent. */
  | { readonly kind: 'goOn' }
  /** A bound was hit: the JOIN is dropped (counted by the caller). */
  | { readonly kind: 'full' };

/** What expire() did in one session. */
export interface ScribeLapse {
  /** The session (hex). */
  readonly session: string;
  /** The children that lapsed. */
  readonly expired: NodeHandle[];
  /** This node left the tree (no child and no member left). */
  readonly leftTree: boolean;
  /** The parent to send a LEAVE to, when it left the tree and is not the root. */
  readonly notify?: NodeHandle;
}

/** The bounds of one node's Scribe state. */
export interface ScribeLimits {
  readonly maxSessions: number;
  readonly maxChildrenPerSession: number;
}

export class ScribeState {
  private readonly sessions = new Map<string, ScribeSession>();

  constructor(private readonly limits: ScribeLimits) {}

  /** Whether this node is on `session`'s tree (a member, a forwarder, or the root). */
  onTree(session: Guid): boolean {
    return this.sessions.has(session.hex);
  }

  /**
   * A JOIN from `child` for `session` reaches this node, whose next hop toward the root is `next`
   * (undefined: this node is the root). Adds the child; says whether the JOIN ends here.
   */
  join(session: Guid, child: NodeHandle, next: NodeHandle | undefined, expiresAt: number): JoinStep {
    let s = this.sessions.get(session.hex);
    const wasOn = s !== undefined;
    if (!s) {
      if (this.sessions.size >= this.limits.maxSessions) return { kind: 'full' };
      s = { member: false, children: new Map() };
    }
    if (!s.children.has(child.guid.hex) && s.children.size >= this.limits.maxChildrenPerSession) return { kind: 'full' };
    s.children.set(child.guid.hex, { node: child, expiresAt });
    if (!wasOn) {
      s.parent = next;
      this.sessions.set(session.hex, s);
    }
    return wasOn || next === undefined ? { kind: 'absorbed' } : { kind: 'goOn' };
  }

  /** This node becomes a member of `session` with `parent` (undefined at the root); false past the bound. */
  becomeMember(session: Guid, parent: NodeHandle | undefined): boolean {
    let s = this.sessions.get(session.hex);
    if (!s) {
      if (this.sessions.size >= this.limits.maxSessions) return false;
      s = { member: true, parent, children: new Map() };
      this.sessions.set(session.hex, s);
    }
    s.member = true;
    return true;
  }

  /** Whether `child` (hex) is a child of this node in `session`. */
  hasChild(session: Guid, child: string): boolean {
    return this.sessions.get(session.hex)?.children.has(child) ?? false;
  }

  /** The sessions (hex) where this node has a parent, with that parent: where its heartbeats go. */
  parents(): Array<{ session: string; parent: NodeHandle }> {
    const out: Array<{ session: string; parent: NodeHandle }> = [];
    for (const [hex, s] of this.sessions) if (s.parent) out.push({ session: hex, parent: s.parent });
    return out;
  }

  /** The sessions (hex) where `node` (hex) is this node's parent, and those where it is a child: what its failure touches. */
  via(node: string): { readonly asParent: string[]; readonly asChild: string[] } {
    const asParent: string[] = [];
    const asChild: string[] = [];
    for (const [hex, s] of this.sessions) {
      if (s.parent?.guid.hex === node) asParent.push(hex);
      if (s.children.has(node)) asChild.push(hex);
    }
    return { asParent, asChild };
  }

  /** How many children this node has in `session`. */
  childCount(session: Guid): number {
    return this.sessions.get(session.hex)?.children.size ?? 0;
  }

  /** Where data that reached this node for `session` goes: every child. */
  children(session: Guid): NodeHandle[] {
    return [...(this.sessions.get(session.hex)?.children.values() ?? [])].map((c) => c.node);
  }

  /** This node's parent in `session`. */
  parent(session: Guid): NodeHandle | undefined {
    return this.sessions.get(session.hex)?.parent;
  }

  /**
   * `child` left (or this node's member left, when `child` is undefined). When the node is left with
   * no children and no member, it leaves the tree: the answer is the parent to send a LEAVE to
   * (undefined at the root, or while the node stays on the tree).
   */
  leave(session: Guid, child?: Guid): { readonly leftTree: boolean; readonly notify?: NodeHandle } {
    const s = this.sessions.get(session.hex);
    if (!s) return { leftTree: false };
    if (child) s.children.delete(child.hex);
    else s.member = false;
    if (s.member || s.children.size > 0) return { leftTree: false };
    this.sessions.delete(session.hex);
    return { leftTree: true, notify: s.parent };
  }

  /** Frees `session` (teardown); returns the children the teardown goes on to. */
  drop(session: Guid): NodeHandle[] {
    const out = this.children(session);
    this.sessions.delete(session.hex);
    return out;
  }

  /**
   * Removes children that lapsed by `now`. Answers, for each session where any did (or that this
   * node is left in with no child and no member), the children removed and whether this node left
   * the tree as a result, with the parent to send a LEAVE to (as leave() answers).
   */
  expire(now: number): ScribeLapse[] {
    const out: ScribeLapse[] = [];
    for (const [hex, s] of this.sessions) {
      const expired: NodeHandle[] = [];
      for (const [c, e] of s.children) {
        if (e.expiresAt > now) continue;
        s.children.delete(c);
        expired.push(e.node);
      }
      const leftTree = !s.member && s.children.size === 0;
      if (leftTree) this.sessions.delete(hex);
      if (leftTree || expired.length > 0) out.push(leftTree && s.parent ? { session: hex, expired, leftTree, notify: s.parent } : { session: hex, expired, leftTree });
    }
    return out;
  }

  /** Sessions on this node's trees and children over them. */
  counts(): { sessions: number; children: number; memberships: number } {
    let children = 0;
    let memberships = 0;
    for (const s of this.sessions.values()) {
      children += s.children.size;
      if (s.member) memberships++;
    }
    return { sessions: this.sessions.size, children, memberships };
  }
}
