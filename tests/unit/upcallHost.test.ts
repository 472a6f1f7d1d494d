/**
 * The upcall host on its own (registry, dispatch, counting, containment), then the module context
 * on a small simulated network: a module that only uses the context it was handed routes, sends
 * straight to a node, and keeps a timer on the node's clock that ends when it is unregistered.
 */
import bunyan from 'bunyan';
import { createTestnet } from '../../testing/testnet';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError, LimitExceededError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { NodeHandle } from '../../routing/handle';
import { MAX_MODULE_ID, type Delivery, type ForwardContext, type ModuleContext, type UpcallModule } from '../../upcalls/contract';
import { UpcallHost, type UpcallStats } from '../../upcalls/host';

const log = bunyan.createLogger({ name: 'test', level: 'fatal' });
const newStats = (): UpcallStats => ({ delivered: 0, droppedByUpcall: 0, takenByUpcall: 0, droppedNoModule: 0, upcallErrors: 0 });
const peer: NodeHandle = { guid: Guid.fromName('peer'), address: { family: 4, ip: Uint8Array.of(10, 0, 0, 1), port: 1 } };
const delivery = (moduleId: number): Delivery => ({ dest: peer.guid, source: peer, hops: 1, fuzzy: false, ttlExpired: false, moduleId, payload: Uint8Array.of(1) });
const forwardCtx = (): ForwardContext => ({ dest: peer.guid, source: peer, hops: 0, fuzzy: false, nextHop: peer, payload: Uint8Array.of(1) });

test('registration: ids in range, no duplicates, at most maxModules application modules, built-ins apart; unregister frees the id', () => {
  const host = new UpcallHost(newStats(), log);
  expect(() => host.register({ id: -1, name: 'x' })).toThrow(InvalidArgumentError);
  expect(() => host.register({ id: MAX_MODULE_ID + 1, name: 'x' })).toThrow(InvalidArgumentError);
  expect(() => host.registerBuiltIn({ id: 5, name: 'x' })).toThrow(InvalidArgumentError);
  host.registerBuiltIn({ id: MAX_MODULE_ID + 1, name: 'location' });
  const off: Array<() => void> = [];
  for (let id = 0; id < DEFAULTS.maxModules; id++) off.push(host.register({ id, name: `m${id}` }));
  expect(() => host.register({ id: 1_000, name: 'too many' })).toThrow(LimitExceededError);
  expect(() => host.registerBuiltIn({ id: MAX_MODULE_ID + 1, name: 'again' })).toThrow(InvalidArgumentError);
  off[3]();
  off[3](); // twice is harmless
  expect(host.get(3)).toBeUndefined();
  expect(() => host.register({ id: 0, name: 'dup' })).toThrow(InvalidArgumentError);
  const again = { id: 3, name: 'again' };
  host.register(again);
  // The old unregister function must not remove the module that took its id since.
  off[3]();
  expect(host.get(3)).toBe(again);
  expect(host.size).toBe(DEFAULTS.maxModules + 1);
});

test('dispatch counts every outcome and contains a throwing module', () => {
  const stats = newStats();
  const host = new UpcallHost(stats, log);
  const seen: string[] = [];
  const verdicts: Array<ReturnType<NonNullable<UpcallModule['forward']>> | 'throw'> = [undefined, true, false, 'taken', 'throw'];
  let next = 0;
  host.register({
    id: 1,
    name: 'm',
    forward: (ctx) => {
      const v = verdicts[next++];
      if (v === 'throw') throw new Error('bug');
      ctx.payload = Uint8Array.of(next);
      return v;
    },
    deliver: (d) => {
      seen.push(`deliver ${d.moduleId}`);
      if (d.payload[0] === 9) throw new Error('bug');
    },
    update: (n, joined) => {
      seen.push(`update ${joined}`);
      throw new Error('bug');
    },
  });
  host.register({ id: 2, name: 'quiet', update: () => void seen.push('update 2') });
  expect(host.forwarder(2)).toBeUndefined();
  expect(host.forwarder(3)).toBeUndefined();
  const m = host.forwarder(1)!;
  const outcomes = verdicts.map(() => {
    const ctx = forwardCtx();
    return [host.forward(m, ctx), ctx.payload[0]];
  });
  // Going on carries the module's payload; a throw lets the message go on as it was.
  expect(outcomes).toEqual([[true, 1], [true, 2], [false, 3], [false, 4], [true, 1]]);
  host.deliver(delivery(1));
  host.deliver({ ...delivery(1), payload: Uint8Array.of(9) });
  host.deliver(delivery(2)); // a module without deliver
  host.deliver(delivery(7)); // no module
  host.update(peer, true);
  expect(seen).toEqual(['deliver 1', 'deliver 1', 'update true', 'update 2']);
  expect(stats).toEqual({ delivered: 2, droppedByUpcall: 1, takenByUpcall: 1, droppedNoModule: 2, upcallErrors: 3 });
});

test('attach is handed the context at registration; a module whose attach throws is not registered', () => {
  const host = new UpcallHost(newStats(), log);
  const ctx = { marker: true } as unknown as ModuleContext;
  let got: ModuleContext | undefined;
  let registeredDuringAttach = false;
  const m: UpcallModule = {
    id: 4,
    name: 'attached',
    attach: (c) => {
      got = c;
      registeredDuringAttach = host.get(4) === m;
    },
  };
  host.register(m, (mod) => (mod === m ? ctx : ({} as ModuleContext)));
  expect(got).toBe(ctx);
  expect(registeredDuringAttach).toBe(true);
  expect(() => host.register({ id: 5, name: 'bad', attach: () => { throw new Error('no'); } }, () => ctx)).toThrow('no');
  expect(host.get(5)).toBeUndefined();
});

test('a module acting only through its context routes, sends straight to a node and keeps timers on the node clock', async () => {
  const net = await createTestnet({ nodes: 30, frozen: true, seed: 9 });
  const MODULE = 77;
  const log: string[] = [];
  const contexts: ModuleContext[] = [];
  const offs = net.nodes.map((node, i) =>
    node.register({
      id: MODULE,
      name: 'echo',
      attach: (ctx) => void (contexts[i] = ctx),
      deliver: (d) => {
        const text = Buffer.from(d.payload).toString();
        log.push(`${i} got ${text} from ${net.nodes.findIndex((n) => n.guid.equals(d.source.guid))}`);
        // Answer straight to the source, past routing, from inside the upcall.
        if (text === 'ping') contexts[i].send(d.source, Buffer.from('pong'));
      },
    }),
  );
  const a = contexts[0];
  expect(a.self).toEqual(net.nodes[0].handle);
  expect(a.table.size).toBe(net.nodes[0].table.size);
  expect(a.leafSet.members().length).toBeGreaterThan(0);
  a.route(net.nodes[17].guid, Buffer.from('ping'));
  net.run(2_000);
  expect(log).toEqual(['17 got ping from 0', '0 got pong from 17']);

  // Timers: fired on the virtual clock at their time, once; a cancelled one and one of an unregistered module never.
  const fired: Array<[string, number]> = [];
  const start = a.now();
  a.after(300, () => fired.push(['a', a.now() - start]));
  const cancel = a.after(100, () => fired.push(['cancelled', a.now() - start]));
  cancel();
  contexts[1].after(200, () => fired.push(['unregistered', 0]));
  offs[1]();
  a.after(50, () => {
    fired.push(['outer', a.now() - start]);
    a.after(50, () => fired.push(['nested', a.now() - start]));
  });
  a.after(60, () => {
    throw new Error('timer bug');
  });
  net.run(1_000);
  expect(fired).toEqual([['outer', 50], ['nested', 100], ['a', 300]]);
  expect(net.nodes[0].status).toBe('ACTIVE');
  expect(net.nodes[0].stats.router.upcallErrors).toBe(1);
  expect(() => a.after(-1, () => {})).toThrow(InvalidArgumentError);
  expect(() => a.send(net.nodes[2].handle, 'x' as unknown as Uint8Array)).toThrow(InvalidArgumentError);
  await net.close();
});
