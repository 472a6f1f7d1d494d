/**
 * Repair decisions for leaving nodes. Voluntary deletion (JSAC 2004 §III-C): the leaving node N hands
 * each backpointer a replacement for the slot N held in its table. Involuntary deletion: a node whose
 * neighbour failed falls back on the slot's backups.
 */
import { InvalidArgumentError } from '../errors';
import { digitAt, sharedPrefixLength, type Guid } from '../routing/guid';
import type { NodeHandle } from '../routing/handle';
import { compareEntries, type RoutingEntry, type RoutingTable } from '../routing/routingTable';

/** What `promoteBackup` did to the failed node's slot. */
export interface Promotion {
  level: number;
  digit: number;
  /** The failed node was the slot's primary (routing through the slot changed). */
  wasPrimary: boolean;
  /** The new primary, when the failed node was the primary and a backup was left to take over. */
  promoted?: NodeHandle;
}

/**
 * A replacement N (owner of `leavingTable`) offers backpointer X. X lists N at level L = the prefix
 * they share, in the slot of N's digit L, so any node with N's first L + 1 digits fits that slot; in
 * N's table those are exactly the entries at levels ≥ L + 1. The one N measured fastest is chosen
 * (ties by GUID); undefined when N knows none, which means the slot becomes a hole for X.
 */
export function replacementFor(leavingTable: RoutingTable, backpointer: Guid): NodeHandle | undefined {
  const self = leavingTable.self.guid;
  if (backpointer.bytes.length !== self.bytes.length) {
    throw new InvalidArgumentError(`backpointer is ${backpointer.bits} bits, the table's space ${leavingTable.space.bits}`);
  }
  const base = leavingTable.base;
  const from = sharedPrefixLength(self, backpointer, leavingTable.space.digitBits) + 1;
  let best: RoutingEntry | undefined;
  for (let l = from; l < leavingTable.levels; l++) {
    if (leavingTable.levelSize(l) === 0) continue;
    const own = leavingTable.selfDigit(l);
    for (let d = 0; d < base; d++) {
      if (d === own) continue;
      for (const e of leavingTable.slot(l, d)) {
        // X shares only L digits with N, so it can never qualify; the check states the contract.
        if (e.handle.guid.hex === backpointer.hex) continue;
        if (best === undefined || compareEntries(e, best) < 0) best = e;
      }
    }
  }
  return best?.handle;
}

/**
 * Drops a failed neighbour from its slot; the next entry (already ordered by latency) becomes primary.
 * Undefined when the node was not listed.
 */
export function promoteBackup(table: RoutingTable, failed: Guid): Promotion | undefined {
  if (!table.has(failed)) return undefined;
  const digitBits = table.space.digitBits;
  const level = sharedPrefixLength(table.self.guid, failed, digitBits);
  const digit = digitAt(failed.bytes, level, digitBits);
  const wasPrimary = table.primary(level, digit)?.guid.hex === failed.hex;
  table.remove(failed);
  const next = wasPrimary ? table.primary(level, digit) : undefined;
  return next === undefined ? { level, digit, wasPrimary } : { level, digit, wasPrimary, promoted: next };
}
