/**
 * Test oracle: the surrogate root of a GUID computed from global knowledge (every node's GUID), with
 * no routing tables. Routing by tables in a consistent network must agree with it from every source.
 */
import { InvalidArgumentError } from '../errors';
import { digitAt, type Guid, type IdSpace } from '../routing/guid';

/**
 * Index in `guids` of `dest`'s root: level by level, take dest's digit, or the next one up (mod base)
 * that some remaining node has, and keep only the nodes with that digit.
 */
export function bruteForceRoot(guids: readonly Guid[], dest: Guid, space: IdSpace): number {
  if (guids.length === 0) throw new InvalidArgumentError('no nodes: a root needs at least one');
  if (dest.bytes.length !== space.bytes) throw new InvalidArgumentError('destination width differs from the space');
  let candidates: number[] = guids.map((_, i) => i);
  for (let level = 0; level < space.digits && candidates.length > 1; level++) {
    const present = new Set<number>();
    for (const i of candidates) present.add(digitAt(guids[i].bytes, level, space.digitBits));
    let digit = digitAt(dest.bytes, level, space.digitBits);
    while (!present.has(digit)) digit = (digit + 1) % space.base;
    candidates = candidates.filter((i) => digitAt(guids[i].bytes, level, space.digitBits) === digit);
  }
  return candidates[0];
}
