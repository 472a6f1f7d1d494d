/**
 * node.table is read-only at run time (issue 13): the object handed out has no add/remove or any
 * other mutating method, cannot be changed, and answers every lookup as the live table does.
 */
import { createNode } from '../../api/node';
import { routingTableOf } from '../../api/internals';
import { createTestnet } from '../../testing/testnet';
import { Guid } from '../../routing/guid';
import { SimNetwork } from '../../transport/simNetwork';
import type { ModuleContext } from '../../upcalls/contract';

const MUTATORS = ['add', 'addDetailed', 'remove', 'admitBelow', 'addBackpointer', 'removeBackpointer', 'clear'];

test('node.table and ModuleContext.table offer no mutating method at run time and cannot be changed', async () => {
  const net = new SimNetwork({ seed: 9 });
  const node = await createNode({ transport: net.createTransport(), clock: net.clock });
  let ctx: ModuleContext | undefined;
  node.register({ id: 7, name: 'probe', attach: (c) => void (ctx = c), deliver: () => {} });
  for (const table of [node.table, ctx!.table]) {
    const t = table as unknown as Record<string, unknown>;
    for (const m of MUTATORS) expect(t[m]).toBeUndefined();
    expect(Object.isFrozen(t)).toBe(true);
    expect(() => { t.add = () => true; }).toThrow(TypeError);
    expect(t.add).toBeUndefined();
  }
  await node.close();
});

test('the view reflects live changes and answers every lookup as the real table does', async () => {
  const net = await createTestnet({ nodes: 24, seed: 4, frozen: true });
  const node = net.nodes[0];
  const view = node.table;
  const real = routingTableOf(node);
  const other = net.nodes.find((n) => !view.has(n.guid) && n !== node);
  const stranger = { guid: Guid.random(() => 7, 160), address: net.nodes[1].address };
  const before = view.size;
  expect(node.addPeer(stranger, 1)).toBe(true);
  expect(view.has(stranger.guid)).toBe(true);
  expect(view.size).toBe(before + 1);
  real.remove(stranger.guid);
  expect(view.has(stranger.guid)).toBe(false);
  expect(view.size).toBe(before);
  if (other) expect(view.has(other.guid)).toBe(false);
  expect(view.self).toBe(real.self);
  expect([...view.neighbours()]).toEqual([...real.neighbours()]);
  expect(view.backpointers()).toEqual(real.backpointers());
  expect(view.backpointerCount).toBe(real.backpointerCount);
  for (let level = 0; level < view.levels; level++) {
    expect(view.levelSize(level)).toBe(real.levelSize(level));
    expect(view.selfDigit(level)).toBe(real.selfDigit(level));
    expect(view.backpointersAt(level)).toEqual(real.backpointersAt(level));
    for (let digit = 0; digit < view.base; digit++) {
      expect(view.slot(level, digit)).toEqual(real.slot(level, digit));
      expect(view.primary(level, digit)).toEqual(real.primary(level, digit));
    }
  }
  for (const n of net.nodes) {
    expect(view.get(n.guid)).toEqual(real.get(n.guid));
    expect(view.slotOf(n.guid)).toEqual(real.slotOf(n.guid));
    expect(view.hasBackpointer(n.guid)).toBe(real.hasBackpointer(n.guid));
  }
  await net.close();
});
