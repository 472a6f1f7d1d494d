/**
 * Small lists kept at their exact length, and lookups in them. The routing table's slots and
 * backpointer levels and the leaf set's sides are short, change far less often than they are read,
 * and a simulator holds tens of them per node: each change makes an exactly sized copy (or edits in
 * place) instead of leaving a backing store with `push`'s spare room.
 */
import type { Guid } from './guid';
import type { NodeHandle } from './handle';

/**
 * Where a peer sits in a list of handles, by GUID; -1 if absent. Handles are interned, so a known peer
 * is usually the very same GUID object: a pass by identity first, then one by bytes.
 */
export function findHandle(list: readonly NodeHandle[] | undefined, guid: Guid): number {
  if (list === undefined) return -1;
  for (let i = 0; i < list.length; i++) if (list[i].guid === guid) return i;
  for (let i = 0; i < list.length; i++) if (list[i].guid.equals(guid)) return i;
  return -1;
}

/** `list[i]`, or undefined past its end (for lists grown only as far as they are used). */
export function itemAt<T>(list: readonly (T | undefined)[], i: number): T | undefined {
  return i >= 0 && i < list.length ? list[i] : undefined;
}

/**
 * A copy of `list` with `item` at the end, exactly one longer. `push` would leave the backing store
 * room for about 16 more, several times what a slot or a leaf-set side ever holds; `concat` sizes it
 * exactly. The copy costs little: these lists are short and change far less often than they are read.
 */
export function appended<T>(list: readonly T[], item: T): T[] {
  return list.concat([item]);
}

/** A copy of `list` without its item `at`, exactly one shorter (a splice keeps the old capacity). */
export function removedAt<T>(list: readonly T[], at: number): T[] {
  const out = list.slice(0, list.length - 1);
  for (let i = at; i < out.length; i++) out[i] = list[i + 1];
  return out;
}

/** `list` lengthened with undefined to exactly `length` (Array.from sizes it exactly). */
export function grownTo<T>(list: readonly (T | undefined)[], length: number): (T | undefined)[] {
  return Array.from({ length }, (_, i) => (i < list.length ? list[i] : undefined));
}

/**
 * Moves `list[at]` to its place among the others, which are in order, keeping the length: lists are
 * short, so a linear walk beats any sort. Items never compare equal (GUIDs break ties), so the place
 * is the one a full sort would give.
 */
export function settle<T>(list: T[], at: number, compare: (a: T, b: T) => number): void {
  const item = list[at];
  while (at > 0 && compare(item, list[at - 1]) < 0) {
    list[at] = list[at - 1];
    at--;
  }
  while (at < list.length - 1 && compare(item, list[at + 1]) > 0) {
    list[at] = list[at + 1];
    at++;
  }
  list[at] = item;
}
