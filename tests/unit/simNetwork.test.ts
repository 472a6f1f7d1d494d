import { createActor, setup } from 'xstate';
import { InvalidArgumentError } from '../../errors';
import { EventQueue } from '../../sim/eventQueue';
import { SeededRng } from '../../sim/random';
import { PlaneLatency, type LatencyModel } from '../../transport/latency';
import { SimNetwork, type SimTransport } from '../../transport/simNetwork';
import { type Address } from '../../transport/types';
import { addressKey } from '../../transport/address';

/** A latency model the test can compute by hand: distinct, symmetric, easy to predict. */
const lineModel: LatencyModel = {
  latency: (a, b) => (a === b ? 0 : Math.abs(a - b) * 1.5 + ((a * b) % 7) * 0.25),
};

function endpoints(net: SimNetwork, n: number): SimTransport[] {
  return Array.from({ length: n }, () => net.createTransport());
}

const bytes = (...v: number[]) => new Uint8Array(v);

describe('EventQueue', () => {
  it('pops in (time, insertion) order: a property test against a stable sort', () => {
    const rng = new SeededRng(2024);
    for (let trial = 0; trial < 50; trial++) {
      const q = new EventQueue(10_000);
      const order: number[] = [];
      const expected: { time: number; id: number }[] = [];
      const n = 1 + rng.int(400);
      for (let id = 0; id < n; id++) {
        // Few distinct times, so ties are common and insertion order is really exercised.
        const time = rng.int(20) * 0.5;
        const ev = q.push(time, () => order.push(id));
        if (ev === false) throw new Error('unexpectedly full');
        if (rng.next() < 0.2) q.cancel(ev);
        else expected.push({ time, id });
      }
      expect(q.size).toBe(expected.length);
      for (let ev = q.pop(); ev; ev = q.pop()) ev.fn();
      // Array.prototype.sort is stable, so equal times keep insertion order: the oracle.
      expect(order).toEqual(expected.sort((a, b) => a.time - b.time).map((e) => e.id));
      expect(q.size).toBe(0);
    }
  });

  it('stays ordered when pushes and pops interleave', () => {
    const rng = new SeededRng(7);
    const q = new EventQueue();
    const model: { time: number; seq: number }[] = [];
    let seq = 0;
    for (let i = 0; i < 5000; i++) {
      if (rng.next() < 0.6 || model.length === 0) {
        const time = rng.int(1000);
        q.push(time, () => undefined);
        model.push({ time, seq: seq++ });
      } else {
        model.sort((a, b) => a.time - b.time || a.seq - b.seq);
        const want = model.shift()!;
        const got = q.pop()!;
        expect([got.time, got.seq]).toEqual([want.time, want.seq]);
      }
    }
  });

  it('is bounded: push returns false when full, and cancelling frees room', () => {
    const q = new EventQueue(3);
    const a = q.push(1, () => undefined);
    q.push(2, () => undefined);
    q.push(3, () => undefined);
    expect(q.push(4, () => undefined)).toBe(false);
    expect(a && q.cancel(a)).toBe(true);
    expect(a && q.cancel(a)).toBe(false);
    expect(q.push(4, () => undefined)).not.toBe(false);
    expect(q.peekTime()).toBe(2);
    expect(() => q.push(NaN, () => undefined)).toThrow(InvalidArgumentError);
  });
});

describe('SimNetwork', () => {
  it('delivers in latency order at the virtual times the model predicts', () => {
    const net = new SimNetwork({ seed: 1, latency: lineModel });
    const eps = endpoints(net, 40);
    const seen: { to: number; from: number; at: number }[] = [];
    eps.forEach((t, i) => t.onReceive((_b, from) => seen.push({ to: i, from: net.indexOf(from)!, at: net.now })));
    for (let i = 1; i < 40; i++) eps[0].send(eps[i].local, bytes(i));
    expect(seen).toEqual([]); // nothing is delivered inside send()
    net.runUntilIdle();
    const oracle = Array.from({ length: 39 }, (_, k) => ({ to: k + 1, from: 0, at: lineModel.latency(0, k + 1) }))
      .sort((a, b) => a.at - b.at);
    expect(seen).toEqual(oracle);
  });

  it('uses the plane model by default, matching an independently built one', () => {
    const net = new SimNetwork({ seed: 77 });
    const eps = endpoints(net, 25);
    const oracle = new PlaneLatency({ seed: 77 });
    const arrivals = new Map<number, number>();
    eps.forEach((t, i) => t.onReceive(() => arrivals.set(i, net.now)));
    // Relay 24 -> 3 -> 17: the second hop starts when the first lands.
    eps[3].onReceive(() => {
      arrivals.set(3, net.now);
      eps[3].send(eps[17].local, bytes(2));
    });
    eps[24].send(eps[3].local, bytes(1));
    net.runUntilIdle();
    expect(arrivals.get(3)).toBeCloseTo(oracle.latency(3, 24), 12);
    expect(arrivals.get(17)).toBeCloseTo(oracle.latency(24, 3) + oracle.latency(3, 17), 12);
    expect(net.latency(5, 9)).toBe(oracle.latency(9, 5));
  });

  function trace(seed: number): string[] {
    const net = new SimNetwork({ seed, lossRate: 0.1 });
    const eps = endpoints(net, 30);
    const out: string[] = [];
    eps.forEach((t, i) =>
      t.onReceive((b, from) => {
        out.push(`${net.now.toFixed(9)} ${net.indexOf(from)}>${i} ${b[0]}`);
        if (b[0] > 0) t.send(eps[(i * 7 + b[0]) % 30].local, bytes(b[0] - 1));
      }),
    );
    const workload = new SeededRng(99); // the same sends for every network seed
    for (let k = 0; k < 200; k++) eps[workload.int(30)].send(eps[workload.int(30)].local, bytes(workload.int(8)));
    net.runUntilIdle();
    return out;
  }

  it('replays the same trace for the same seed and a different one for another seed', () => {
    const a = trace(5);
    expect(a.length).toBeGreaterThan(300);
    expect(trace(5)).toEqual(a);
    expect(trace(6)).not.toEqual(a);
  });

  it('loses about lossRate of datagrams (binomial bound)', () => {
    const n = 10_000;
    const p = 0.3;
    const net = new SimNetwork({ seed: 3, lossRate: p });
    const [a, b] = endpoints(net, 2);
    let got = 0;
    b.onReceive(() => got++);
    for (let i = 0; i < n; i++) a.send(b.local, bytes(1));
    net.runUntilIdle();
    const lost = a.stats.dropped.loss ?? 0;
    const sigma = Math.sqrt(n * p * (1 - p));
    expect(Math.abs(lost - n * p)).toBeLessThan(4.5 * sigma);
    expect(lost + got).toBe(n);
    expect(net.stats.dropped.loss).toBe(lost);
    net.setLossRate(0);
    a.send(b.local, bytes(1));
    net.runUntilIdle();
    expect(got + lost).toBe(n + 1);
    expect(() => net.setLossRate(1.5)).toThrow(InvalidArgumentError);
  });

  it('blocks traffic across partitions and heal() restores it', () => {
    const net = new SimNetwork({ seed: 1 });
    const eps = endpoints(net, 6);
    const got: string[] = [];
    eps.forEach((t, i) => t.onReceive((_b, from) => got.push(`${net.indexOf(from)}>${i}`)));
    net.partition([[0, 1], [2, 3]]); // 4 and 5 form the third group
    const pairs: [number, number][] = [[0, 1], [0, 2], [0, 4], [2, 3], [3, 1], [4, 5], [5, 2]];
    for (const [x, y] of pairs) eps[x].send(eps[y].local, bytes(0));
    net.runUntilIdle();
    expect(got.sort()).toEqual(['0>1', '2>3', '4>5']);
    expect(net.stats.dropped.partition).toBe(4);
    net.heal();
    got.length = 0;
    for (const [x, y] of pairs) eps[x].send(eps[y].local, bytes(0));
    net.runUntilIdle();
    expect(got).toHaveLength(pairs.length);
    expect(() => net.partition([[0], [0]])).toThrow(InvalidArgumentError);
    expect(() => net.partition([[99]])).toThrow(InvalidArgumentError);
  });

  it('setDown: a down endpoint neither sends nor receives, including datagrams already in flight', () => {
    const net = new SimNetwork({ seed: 1, latency: lineModel });
    const [a, b, c] = endpoints(net, 3);
    const got: number[] = [];
    b.onReceive((x) => got.push(x[0]));
    a.onReceive((x) => got.push(x[0]));
    net.setDown(1, true);
    a.send(b.local, bytes(1)); // to a down endpoint
    b.send(a.local, bytes(2)); // from a down endpoint
    net.runUntilIdle();
    expect(got).toEqual([]);
    expect(b.stats.dropped.down).toBe(2);
    net.setDown(1, false);
    a.send(b.local, bytes(3));
    c.send(b.local, bytes(4));
    net.run(net.now + lineModel.latency(0, 1)); // 3 lands, 4 is still in flight
    net.setDown(1, true);
    net.runUntilIdle();
    net.setDown(1, false);
    expect(got).toEqual([3]);
    expect(net.stats.dropped.down).toBe(3);
    expect(net.isDown(1)).toBe(false);
  });

  it('runs clock timers interleaved with deliveries in time order, and clearTimeout cancels', () => {
    const net = new SimNetwork({ seed: 1, latency: lineModel });
    const [a, b] = endpoints(net, 2);
    const L = lineModel.latency(0, 1);
    const log: string[] = [];
    b.onReceive(() => log.push(`deliver@${net.now}`));
    a.send(b.local, bytes(0));
    net.clock.setTimeout(() => log.push(`early@${net.clock.now()}`), L / 2);
    net.clock.setTimeout(() => log.push(`tie@${net.clock.now()}`), L); // same time, scheduled after the send
    net.clock.setTimeout(() => log.push(`late@${net.clock.now()}`), L + 1);
    const cancelled = net.clock.setTimeout(() => log.push('cancelled'), L / 4);
    net.clock.clearTimeout(cancelled);
    net.clock.clearTimeout(undefined); // foreign ids are ignored
    net.runUntilIdle();
    expect(log).toEqual([`early@${L / 2}`, `deliver@${L}`, `tie@${L}`, `late@${L + 1}`]);
    expect(net.stats.timers).toBe(3);
  });

  it('run(until) processes events up to until, then parks the clock there', () => {
    const net = new SimNetwork({ seed: 1 });
    const fired: number[] = [];
    for (const t of [10, 20, 30]) net.clock.setTimeout(() => fired.push(t), t);
    expect(net.run(20)).toBe(2);
    expect(net.now).toBe(20);
    expect(net.pending).toBe(1);
    expect(net.run(25)).toBe(0);
    expect(net.now).toBe(25);
    expect(net.run(100, 0)).toBe(0); // maxEvents stops it before the event at 30: the clock stays
    expect(net.now).toBe(25);
    expect(net.step()).toBe(true);
    expect(net.now).toBe(30);
    expect(net.step()).toBe(false);
    expect(fired).toEqual([10, 20, 30]);
  });

  it('forwards a chain of 100,000 hops without growing the stack', () => {
    const net = new SimNetwork({ seed: 4 });
    const eps = endpoints(net, 1000);
    let hops = 0;
    eps.forEach((t, i) =>
      t.onReceive((b) => {
        hops++;
        const left = new DataView(b.buffer, b.byteOffset).getUint32(0);
        if (left === 0) return;
        const next = new Uint8Array(4);
        new DataView(next.buffer).setUint32(0, left - 1);
        t.send(eps[(i + 1) % eps.length].local, next);
      }),
    );
    const first = new Uint8Array(4);
    new DataView(first.buffer).setUint32(0, 99_999);
    eps[0].send(eps[1].local, first);
    expect(net.runUntilIdle()).toBe(100_000);
    expect(hops).toBe(100_000);
    expect(net.stats.delivered).toBe(100_000);
  });

  it('drives an xstate actor: an after(500) transition fires exactly at virtual time 500', () => {
    const net = new SimNetwork({ seed: 1 });
    const machine = setup({}).createMachine({ initial: 'a', states: { a: { after: { 500: 'b' } }, b: {} } });
    const actor = createActor(machine, { clock: net.clock }).start();
    net.run(499.999);
    expect(actor.getSnapshot().value).toBe('a');
    net.run(500);
    expect(actor.getSnapshot().value).toBe('b');
    expect(net.now).toBe(500);
    actor.stop();
  });

  it('sends to itself through the queue, never synchronously (zero latency)', () => {
    const net = new SimNetwork({ seed: 1 });
    const [a] = endpoints(net, 1);
    let got = 0;
    a.onReceive(() => got++);
    a.send(a.local, bytes(1));
    expect(got).toBe(0);
    expect(net.pending).toBe(1);
    net.step();
    expect(got).toBe(1);
    expect(net.now).toBe(0);
  });

  it('copies bytes at send time', () => {
    const net = new SimNetwork({ seed: 1 });
    const [a, b] = endpoints(net, 2);
    let got: number[] = [];
    b.onReceive((x) => (got = Array.from(x)));
    const buf = bytes(1, 2, 3);
    a.send(b.local, buf);
    buf[0] = 9;
    net.runUntilIdle();
    expect(got).toEqual([1, 2, 3]);
  });

  it('counts oversize, unreachable, closed, queueFull and handler errors without stopping', () => {
    const net = new SimNetwork({ seed: 1, mtu: 300, maxQueuedEvents: 4 });
    const [a, b, c] = endpoints(net, 3);
    let got = 0;
    b.onReceive(() => {
      got++;
      throw new Error('faulty handler');
    });
    c.onReceive(() => got++);
    a.send(b.local, new Uint8Array(301));
    expect(a.stats.dropped.oversize).toBe(1);
    const stranger: Address = { family: 4, ip: bytes(10, 0, 0, 200), port: 1 };
    a.send(stranger, bytes(1));
    a.send({ family: 6, ip: new Uint8Array(16), port: 1 }, bytes(1));
    expect(a.stats.dropped.unreachable).toBe(2);
    for (let i = 0; i < 5; i++) a.send(b.local, bytes(i));
    expect(a.stats.dropped.queueFull).toBe(1);
    net.runUntilIdle();
    expect(got).toBe(4);
    expect(b.stats.dropped.handlerError).toBe(4);
    expect(net.stats.dropped.handlerError).toBe(4);
    a.send(c.local, bytes(1));
    void c.close();
    net.runUntilIdle();
    expect(c.stats.dropped.closed).toBe(1);
    void a.close();
    a.send(c.local, bytes(1));
    expect(a.stats.dropped.closed).toBe(1);
    expect(got).toBe(4);
  });

  it('gives unique synthetic addresses that map back to their index past 16 bits', () => {
    const net = new SimNetwork({ seed: 1 });
    const keys = new Set<string>();
    for (let i = 0; i < 70_000; i++) {
      const t = net.createTransport();
      keys.add(addressKey(t.local));
      if (net.indexOf(t.local) !== i) throw new Error(`address of ${i} maps to ${net.indexOf(t.local)}`);
    }
    expect(keys.size).toBe(70_000);
    expect(net.transport(65_536)!.local.ip).toEqual(bytes(10, 1, 0, 0));
    expect(net.indexOf({ family: 4, ip: bytes(10, 1, 17, 113), port: 1 })).toBeUndefined(); // index 70,001
  });
});
