/**
 * Physical link stress on a transit-stub topology: for each message class, how many copies of its
 * datagrams crossed each link (the measure of Bayeux's evaluation: a multicast tree sends a message
 * over a link once, naive unicast once per receiver behind it). Fed by a simulated network
 * (SimNetwork.countLinks) with every datagram that goes on the wire.
 */
import { DEFAULTS } from '../defaults';
import { InvalidArgumentError } from '../errors';
import type { LinkCounter } from '../transport/linkCounter';
import type { TransitStub } from './transitStub';

/** Picks the message class of a datagram from its bytes; undefined leaves it uncounted. It must not keep `bytes`. */
export type MessageClassifier = (bytes: Uint8Array) => string | undefined;

/** What one message class did to the links. */
export interface LinkStressReport {
  /** The class, as the classifier named it. */
  readonly messageClass: string;
  /** Datagrams of the class put on the wire. */
  readonly datagrams: number;
  /** Their total size, bytes. */
  readonly bytes: number;
  /** Links at least one of them crossed. */
  readonly linksUsed: number;
  /** Most copies that crossed one link. */
  readonly maxCopies: number;
  /** Mean copies per used link (0 when none was used). */
  readonly meanCopies: number;
  /** Link crossings in all: the sum of copies over every link. */
  readonly crossings: number;
}

/** Options of a {@link LinkStressCounter}. */
export interface LinkStressOptions {
  /** Most classes counted at once. Default DEFAULTS.linkStressMaxClasses (64). */
  readonly maxClasses?: number;
}

interface ClassCounts {
  copies: Uint32Array;
  datagrams: number;
  bytes: number;
}

/**
 * Counts, per message class, the copies crossing each physical link of a topology: a datagram from
 * endpoint a to b adds one to every link of topology.path(a, b). Memory: one 4-byte counter per link
 * per class, classes bounded by `maxClasses` (datagrams of further classes are only counted in
 * `overflow`).
 */
export class LinkStressCounter implements LinkCounter {
  /** Datagrams not counted because their class would have exceeded maxClasses. */
  overflow = 0;
  /** Datagrams not counted because the classifier threw. */
  classifierErrors = 0;
  private readonly maxClasses: number;
  private readonly counts = new Map<string, ClassCounts>();
  private current: Uint32Array = new Uint32Array(0);
  private readonly bump = (link: number): void => {
    this.current[link]++;
  };

  constructor(
    /** The topology whose links are counted (the simulated network's latency model). */
    readonly topology: TransitStub,
    /** Names the class of each datagram. */
    readonly classify: MessageClassifier,
    opts: LinkStressOptions = {},
  ) {
    const max = opts.maxClasses ?? DEFAULTS.linkStressMaxClasses;
    if (!Number.isInteger(max) || max < 1 || max > DEFAULTS.linkStressMaxClasses) {
      throw new InvalidArgumentError(`maxClasses must be an integer in [1, ${DEFAULTS.linkStressMaxClasses}], got ${max}`);
    }
    this.maxClasses = max;
  }

  sent(from: number, to: number, bytes: Uint8Array): void {
    let messageClass: string | undefined;
    try {
      messageClass = this.classify(bytes);
    } catch {
      this.classifierErrors++;
      return;
    }
    if (messageClass === undefined) return;
    let c = this.counts.get(messageClass);
    if (!c) {
      if (this.counts.size >= this.maxClasses) {
        this.overflow++;
        return;
      }
      c = { copies: new Uint32Array(this.topology.linkCount), datagrams: 0, bytes: 0 };
      this.counts.set(messageClass, c);
    }
    c.datagrams++;
    c.bytes += bytes.length;
    // Endpoints attached after this class was first seen bring access links beyond the array.
    const need = this.topology.linkCount;
    if (need > c.copies.length) {
      const bigger = new Uint32Array(Math.max(need, 2 * c.copies.length));
      bigger.set(c.copies);
      c.copies = bigger;
    }
    this.current = c.copies;
    this.topology.forEachLink(from, to, this.bump);
  }

  /** The classes seen so far, sorted. */
  get classes(): string[] {
    return [...this.counts.keys()].sort();
  }

  /** Copies of `messageClass` that crossed link `link` (0 for a class or link never seen). */
  copies(messageClass: string, link: number): number {
    return this.counts.get(messageClass)?.copies[link] ?? 0;
  }

  /** The report of one class; all zeros for a class never seen. */
  report(messageClass: string): LinkStressReport {
    const c = this.counts.get(messageClass);
    let linksUsed = 0;
    let maxCopies = 0;
    let crossings = 0;
    if (c) {
      for (const n of c.copies) {
        if (n === 0) continue;
        linksUsed++;
        crossings += n;
        if (n > maxCopies) maxCopies = n;
      }
    }
    return {
      messageClass,
      datagrams: c?.datagrams ?? 0,
      bytes: c?.bytes ?? 0,
      linksUsed,
      maxCopies,
      meanCopies: linksUsed === 0 ? 0 : crossings / linksUsed,
      crossings,
    };
  }

  /** Every class's report, sorted by class. */
  reports(): LinkStressReport[] {
    return this.classes.map((c) => this.report(c));
  }

  /** Forgets every count (the classes too), e.g. between the phases of a measurement. */
  reset(): void {
    this.counts.clear();
    this.current = new Uint32Array(0);
    this.overflow = 0;
    this.classifierErrors = 0;
  }
}
