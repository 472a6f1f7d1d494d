import type { TapestryNode } from '../../api/node';
import type { Delivery } from '../../upcalls/contract';

export interface Recorded extends Delivery {
  /** Index of the node it was delivered at. */
  readonly at: number;
  readonly text: string;
}

/** Registers module `id` on every node and records each delivery with the node index. */
export function recordDeliveries(nodes: readonly TapestryNode[], id = 0): Recorded[] {
  const out: Recorded[] = [];
  nodes.forEach((node, at) =>
    node.register({
      id,
      name: 'recorder',
      deliver: (d) => out.push({ ...d, at, text: Buffer.from(d.payload).toString('utf8') }),
    }),
  );
  return out;
}
