/**
 * Neighbour scores: how far this node trusts each neighbour to carry a route end to end. A confirmed
 * route (routing/routeConfirms.ts) whose end-to-end acknowledgement never came costs its first hop
 * DEFAULTS.neighbourScorePenalty; one that came restores DEFAULTS.neighbourScoreReward, up to the
 * ceiling. At DEFAULTS.neighbourScoreEvictAt or below the neighbour is to be evicted from the routing
 * table, so its slot's backup takes over and later routes pass it by (Castro et al. 2002's route
 * failure test, applied to the one hop a source can see).
 *
 * The penalty outweighs the reward so that a black hole (which fails every confirmed route it is
 * given) falls quickly, while an honest first hop, whose routes fail only when a liar sits further
 * down the path, gains more than it loses as long as fewer than reward / (reward + penalty) of its
 * routes fail (one in three with the defaults).
 *
 * Pure and bounded: only neighbours below the ceiling are kept (a neighbour back at the ceiling is
 * forgotten), at most DEFAULTS.maxScoredNeighbours, the least recently scored dropped first.
 */
import { DEFAULTS } from '../defaults';
import { BoundedMap } from './boundedMap';

/** The scoring rule's numbers (DEFAULTS' by default). */
export interface ScoreRule {
  readonly max: number;
  readonly penalty: number;
  readonly reward: number;
  readonly evictAt: number;
}

export const DEFAULT_SCORE_RULE: ScoreRule = {
  max: DEFAULTS.neighbourScoreMax,
  penalty: DEFAULTS.neighbourScorePenalty,
  reward: DEFAULTS.neighbourScoreReward,
  evictAt: DEFAULTS.neighbourScoreEvictAt,
};

/** Score counters, part of the router's stats (`node.stats.router`). */
export interface ScoreStats {
  /** Neighbours evicted from the routing table because their score fell to the eviction threshold. */
  neighboursDistrusted: number;
}

export class NeighbourScores {
  /** GUID hex → score, for neighbours below the ceiling only. */
  private readonly below: BoundedMap<string, number>;

  constructor(
    private readonly rule: ScoreRule = DEFAULT_SCORE_RULE,
    limit: number = DEFAULTS.maxScoredNeighbours,
  ) {
    this.below = new BoundedMap(limit);
  }

  /** Neighbours whose score is below the ceiling. */
  get size(): number {
    return this.below.size;
  }

  /** A neighbour's score: the ceiling when it never failed (or earned it back). */
  score(hex: string): number {
    return this.below.get(hex) ?? this.rule.max;
  }

  /** Whether the neighbour is at or below the eviction threshold. */
  distrusted(hex: string): boolean {
    return this.score(hex) <= this.rule.evictAt;
  }

  /** A confirmed route through it went unacknowledged: its new score, and whether it is now to be evicted. */
  failed(hex: string): { score: number; evict: boolean } {
    const score = Math.max(this.rule.evictAt, this.score(hex) - this.rule.penalty);
    this.below.refresh(hex, score);
    return { score, evict: score <= this.rule.evictAt };
  }

  /** A confirmed route through it was acknowledged: its new score (at the ceiling it is forgotten). */
  succeeded(hex: string): number {
    const score = Math.min(this.rule.max, this.score(hex) + this.rule.reward);
    if (score >= this.rule.max) this.below.delete(hex);
    else this.below.refresh(hex, score);
    return score;
  }
}
