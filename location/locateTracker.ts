/**
 * The client side of a locate (JSAC 2004 §III-B): which salted roots are tried and when, which answers
 * count, and how the locate ends. Per locate it keeps one attempt per salted root in flight (up to
 * `fanout` searching at once), takes the first answer from each server (another path reaching the
 * same server is ignored), stops once `replicas` servers answered, and otherwise ends when no attempt
 * is left: NotFound if some root answered it had nothing more, Timeout if none did.
 *
 * Pure: no clock (time comes in as `now`), no network. What it decides goes out through a LocatePort
 * (send this locate toward its salted root, arm this attempt's timeout) and, per locate, a LocateSink
 * (results, then the end or the failure). The port is called synchronously and in order, and it may
 * re-enter the tracker (a locate whose salted root is this very node is answered inside the send).
 */
import { InvalidArgumentError, NotFoundError, TimeoutError } from '../errors';
import type { Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import type { LocateFound, LocateMsg, LocateNotFound } from './messages';
import { secureRandom, type RandomBytes } from '../security/identity';

/** One replica a locate found. */
export interface LocateResult {
  /** The object's GUID, as asked. */
  readonly object: Guid;
  /** The node serving the replica. */
  readonly server: NodeHandle;
  /** The application tag the server published the replica with. */
  readonly tag: string;
  /** Overlay hops from the origin to the server. */
  readonly hops: number;
  /** Latency along that path (ms), by the nodes' own measurements. */
  readonly pathLatency: number;
  /** Time from the start of the locate until this answer arrived (ms, on the node's clock). */
  readonly elapsedMs: number;
}

/**
 * Where one locate's results and outcome go (api/channel.ts's Channel is one): any number of `push`,
 * then exactly one of `end` (some replica found) or `fail` (NotFound, Timeout, aborted, closed).
 */
export interface LocateSink<T> {
  push(result: T): void;
  end(): void;
  fail(err: unknown): void;
  /** Set by the tracker: the consumer calls it if it stops listening early (the locate is dropped). */
  onCancel?: () => void;
}

export interface LocateRequest {
  readonly object: Guid;
  readonly query: string;
  readonly replicas: number;
  readonly moduleId: number;
  readonly payload: Uint8Array;
  /** Salted roots tried at once; sendToObject uses 1 so that only `replicas` servers get the message. */
  readonly fanout: number;
  /** The object GUID is self-certifying: only answers that prove its owner authorised the server count. */
  readonly owned?: boolean;
  readonly sink: LocateSink<LocateResult>;
}

/** What the tracker asks of its node; called synchronously, in the order the decisions are made. */
export interface LocatePort {
  /** Routes `locate` toward salted root `locate.saltIndex` of its object. May re-enter the tracker. */
  sendLocate(locate: LocateMsg): void;
  /** Arms a timer that calls `attemptTimedOut(locateId, salt)` after `ms`. */
  armTimeout(locateId: number, salt: number, ms: number): void;
}

export interface LocateTrackerOptions {
  /** This node: the origin every locate names. */
  readonly self: NodeHandle;
  /** Salted roots an object has (salt indices 0 .. salts-1, tried in order). */
  readonly salts: number;
  /** How long one salted root's attempt waits for its answers (ms). */
  readonly attemptTimeoutMs: number;
  /**
   * Where locate ids come from: 8 bytes per locate (the node's injected source, seeded in the
   * simulator). Default: the operating system's CSPRNG.
   */
  readonly random?: RandomBytes;
  /**
   * Whether an answer must prove its server (an authenticating provider): called for every
   * LocateFound whose id and object match, with the node that sent it when known; false drops it,
   * counted in `forgedAnswers`. Absent: every
   * matching answer counts (`none`).
   */
  readonly answerHolds?: (f: LocateFound, from: NodeHandle | undefined, owned: boolean) => boolean;
  /** Padding (bytes) each locate carries: under an authenticating provider, DEFAULTS.locatePaddingBytes. */
  readonly padding?: number;
  /** Padding (bytes) of a locate for a self-certifying object, whose answer carries the owner's claim too. */
  readonly ownedPadding?: number;
}

/** The counters the tracker keeps (a part of the locator's stats object, shared by reference). */
export interface LocateTrackerStats {
  locatesStarted: number;
  locatesFound: number;
  locatesNotFound: number;
  locatesTimedOut: number;
  attemptsTimedOut: number;
  staleReplies: number;
  /** Answers whose id and object matched but that did not prove the server they named: dropped. */
  forgedAnswers: number;
}

/** One salted root a locate is trying. */
interface Attempt {
  /** The root answered NotFound (or was never reached: then the timer ends the attempt). */
  rootAnswered: boolean;
  /** Servers this attempt diverted to whose answer has not come (GUID hex). */
  readonly pending: Set<string>;
}

interface LocateState {
  readonly id: number;
  /** The second half of the 64-bit id: answers must echo it too. */
  readonly key: number;
  readonly req: LocateRequest;
  readonly startedAt: number;
  /** Next salt index to try. */
  nextSalt: number;
  /** Attempts not finished yet, by salt index. */
  readonly attempts: Map<number, Attempt>;
  /** Server GUID hex → result. */
  readonly found: Map<string, LocateResult>;
  /** Servers diverted to and not yet answered: GUID hex → GUID and the salt that diverted. */
  readonly pending: Map<string, { guid: Guid; salt: number }>;
  /** Some salted root answered that it had nothing more. */
  rootAnswered: boolean;
}

export class LocateTracker {
  /**
   * Locates in flight, by the first half of their id (distinct among those in flight). Bounded by the
   * caller (DEFAULTS.maxLocatesInFlight, checked in api/).
   */
  private readonly locates = new Map<number, LocateState>();
  private readonly random: RandomBytes;

  constructor(
    private readonly port: LocatePort,
    private readonly opts: LocateTrackerOptions,
    readonly stats: LocateTrackerStats,
  ) {
    this.random = opts.random ?? secureRandom;
  }

  get inFlight(): number {
    return this.locates.size;
  }

  /**
   * Starts a locate toward salted root 0 (and more, up to `fanout`); returns the first half of its id
   * (what `abort` and `attemptTimedOut` take). The id is 64 random bits: an answer must echo all of
   * them, so a sender off the locate's path cannot hit one.
   */
  start(req: LocateRequest, now: number): number {
    const { id, key } = this.freshId();
    const st: LocateState = {
      id, key, req, startedAt: now, nextSalt: 0, attempts: new Map(), found: new Map(), pending: new Map(), rootAnswered: false,
    };
    this.locates.set(id, st);
    this.stats.locatesStarted++;
    req.sink.onCancel = () => this.locates.delete(id);
    this.progress(st);
    return id;
  }

  /** Ends a locate early (AbortSignal): the sink gets `reason`. */
  abort(id: number, reason: Error): void {
    const st = this.locates.get(id);
    if (!st) return;
    this.locates.delete(id);
    st.req.sink.fail(reason);
  }

  /** One salted root's timer fired: answers still missing from it are taken as lost. */
  attemptTimedOut(id: number, salt: number): void {
    const st = this.locates.get(id);
    const attempt = st?.attempts.get(salt);
    if (!st || !attempt) return;
    this.stats.attemptsTimedOut++;
    for (const server of attempt.pending) st.pending.delete(server);
    st.attempts.delete(salt);
    this.progress(st);
  }

  /**
   * A server answered: the first answer from each server counts, once. An answer must match all 64
   * bits of the id and the object, and (with `answerHolds`) prove the server it names.
   */
  found(f: LocateFound, now: number, from?: NodeHandle): void {
    const st = this.locates.get(f.locateId);
    if (!st || st.key !== f.locateKey || !st.req.object.equals(f.object)) {
      this.stats.staleReplies++;
      return;
    }
    if (this.opts.answerHolds !== undefined && !this.opts.answerHolds(f, from, st.req.owned === true)) {
      this.stats.forgedAnswers++;
      return;
    }
    const key = f.server.guid.hex;
    if (st.found.has(key)) return; // another path reached the same server
    const pending = st.pending.get(key);
    if (pending) {
      st.pending.delete(key);
      const attempt = st.attempts.get(pending.salt);
      attempt?.pending.delete(key);
      if (attempt?.rootAnswered && attempt.pending.size === 0) st.attempts.delete(pending.salt);
    }
    const result: LocateResult = {
      object: f.object, server: f.server, tag: f.tag, hops: f.hops, pathLatency: f.pathLatency,
      elapsedMs: now - st.startedAt,
    };
    st.found.set(key, result);
    this.stats.locatesFound++;
    st.req.sink.push(result);
    this.progress(st);
  }

  /**
   * A salted root answered it holds nothing more; the servers it names were diverted to on the way.
   *
   * Not signed (who roots a salted GUID is not something the origin can check): it must echo all 64
   * bits of the id, so only a node that saw this locate can forge one, and a forged one ends only its
   * own salt's attempt — the next salted root is tried as for a real answer — so a locate ends early
   * only if every salt's path is forged on, and a server's real answer still counts while it runs.
   */
  notFound(n: LocateNotFound): void {
    const st = this.locates.get(n.locateId);
    const attempt = st?.key === n.locateKey ? st.attempts.get(n.saltIndex) : undefined;
    if (!st || !attempt || attempt.rootAnswered || !st.req.object.equals(n.object)) {
      this.stats.staleReplies++;
      return;
    }
    attempt.rootAnswered = true;
    st.rootAnswered = true;
    for (const g of n.diverted) {
      if (st.found.has(g.hex) || st.pending.has(g.hex)) continue;
      st.pending.set(g.hex, { guid: g, salt: n.saltIndex });
      attempt.pending.add(g.hex);
    }
    // The attempt lives on (with its timer) only while answers it diverted are still coming.
    if (attempt.pending.size === 0) st.attempts.delete(n.saltIndex);
    this.progress(st);
  }

  /** Ends every locate (node closing). */
  shutdown(reason: Error): void {
    for (const st of this.locates.values()) st.req.sink.fail(reason);
    this.locates.clear();
  }

  /**
   * After every event of a locate: done when enough replicas answered; otherwise keep up to
   * `fanout` salted roots searching for what is still wanted; done when nothing is left to wait for.
   */
  private progress(st: LocateState): void {
    if (st.found.size >= st.req.replicas) {
      this.finish(st);
      return;
    }
    let searching = 0;
    for (const a of st.attempts.values()) if (!a.rootAnswered) searching++;
    while (searching < st.req.fanout && st.nextSalt < this.opts.salts) {
      const wanted = st.req.replicas - st.found.size - st.pending.size;
      if (wanted <= 0) break;
      this.launch(st, st.nextSalt++, wanted);
      // A root on this very node answers at once, and that answer may already have ended the locate.
      if (!this.locates.has(st.id)) return;
      searching++;
    }
    if (st.attempts.size === 0) this.finish(st);
  }

  /** Sends the locate toward one salted root, excluding the servers already found or awaited. */
  private launch(st: LocateState, salt: number, wanted: number): void {
    st.attempts.set(salt, { rootAnswered: false, pending: new Set() });
    const exclude = [...[...st.found.values()].map((r) => r.server.guid), ...[...st.pending.values()].map((p) => p.guid)];
    const locate: LocateMsg = {
      locateId: st.id, locateKey: st.key, object: st.req.object, origin: this.opts.self, query: st.req.query, wanted, exclude,
      saltIndex: salt, pathLatency: 0, moduleId: st.req.moduleId, payload: st.req.payload, diverted: false,
      ...(st.req.owned ? { owned: true } : {}),
      ...(this.opts.padding ? { padding: st.req.owned ? (this.opts.ownedPadding ?? this.opts.padding) : this.opts.padding } : {}),
    };
    this.port.sendLocate(locate);
    this.port.armTimeout(st.id, salt, this.opts.attemptTimeoutMs);
  }

  /** 64 random bits: a first half that is not 0 and not in flight (drawn again if so), and a second half. */
  private freshId(): { id: number; key: number } {
    for (;;) {
      const b = this.random(8);
      if (b.length !== 8) throw new InvalidArgumentError(`random(8) returned ${b.length} bytes`);
      const id = ((b[0] << 24) | (b[1] << 16) | (b[2] << 8) | b[3]) >>> 0;
      const key = ((b[4] << 24) | (b[5] << 16) | (b[6] << 8) | b[7]) >>> 0;
      if (id !== 0 && !this.locates.has(id)) return { id, key };
    }
  }

  private finish(st: LocateState): void {
    if (!this.locates.delete(st.id)) return;
    if (st.found.size > 0) {
      st.req.sink.end();
      return;
    }
    if (st.rootAnswered) {
      this.stats.locatesNotFound++;
      st.req.sink.fail(new NotFoundError(`no replica of ${st.req.object.hex} matches "${st.req.query}" at any of ${this.opts.salts} roots`));
    } else {
      this.stats.locatesTimedOut++;
      st.req.sink.fail(new TimeoutError(`no salted root of ${st.req.object.hex} answered`));
    }
  }
}
