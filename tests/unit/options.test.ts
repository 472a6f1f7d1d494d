/**
 * Options checked at run time (DESIGN rule 7), through the public entry points: for every options
 * type, generated bad options — unknown keys, near-misses of real keys, values just outside each
 * bound, wrong types — are refused with an InvalidArgumentError naming the key; good options are
 * accepted, and what is left out comes from DEFAULTS. The oracle is tests/helpers/optionSpecs.ts,
 * written from DEFAULTS and the documented limits, not from the schemas.
 */
import fc from 'fast-check';
import { createNode, type TapestryNode } from '../../api/node';
import { nodeOptionsSchema } from '../../api/options/nodeOptions';
import { ROUTE_DEFAULTS, routeOptionsSchema } from '../../api/options/routeOptions';
import { parseOptions } from '../../api/options/schema';
import { REQUEST_DEFAULTS, requestOptionsSchema } from '../../api/options/requestOptions';
import { checkRequestOptions } from '../../api/request';
import { DEFAULTS } from '../../defaults';
import { InvalidArgumentError } from '../../errors';
import { Guid } from '../../routing/guid';
import type { UpcallModule } from '../../upcalls/contract';
import { createTestnet } from '../../testing/testnet';
import { SimNetwork } from '../../transport/simNetwork';
import { badValues, editDistance, goodValues, LOCATE, MODULE, NODE, NODE_NESTED, oneEdit, PUBLISH, ROUTE, SEND_TO_OBJECT, TESTNET, type Spec } from '../helpers/optionSpecs';

/** An entry point given options; resolves (accepted) or rejects / throws. */
type Entry = (options: Record<string, unknown>) => unknown;

async function refusal(entry: Entry, options: Record<string, unknown>): Promise<Error | undefined> {
  try {
    await entry(options);
    return undefined;
  } catch (e) {
    return e as Error;
  }
}

const pairs = (spec: Spec) => Object.entries(spec).flatMap(([key, kind]) => badValues(kind).map((value) => ({ key, value })));
const goodRecord = (spec: Spec) =>
  fc.record(
    Object.fromEntries(
      Object.entries(spec)
        .map(([k, kind]) => [k, goodValues(kind)] as const)
        .filter(([, v]) => v.length > 0)
        .map(([k, v]) => [k, fc.constantFrom(...v)]),
    ),
    { requiredKeys: [] },
  );
/** Letters, digits and a few others: names that are no key of any options type. */
const unknownName = (spec: Spec) =>
  fc.string({ unit: fc.constantFrom(...'abcdefghijklmnopqrstuvwxyzABCXYZ_0123456789$'.split('')), minLength: 1, maxLength: 20 }).filter((k) => !(k in spec) && !(k in Object.prototype) && k !== '__proto__');

/** The four properties for one options type at one entry point. */
function refusesBadOptions(name: string, spec: Spec, entry: () => Entry, base: () => Record<string, unknown> = () => ({}), runs = 60, goodSpec: Spec = spec, unknownKeys = true): void {
  describe(name, () => {
    test('a wrong type or a value just outside a bound is refused, naming the key', async () => {
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...pairs(spec)), async ({ key, value }) => {
          const err = await refusal(entry(), { ...base(), [key]: value });
          expect(err).toBeInstanceOf(InvalidArgumentError);
          expect(err!.message).toContain(`"${key}`);
        }),
        { numRuns: Math.max(runs, pairs(spec).length) },
      );
    });

    if (unknownKeys) test('an unknown key is refused, naming it', async () => {
      await fc.assert(
        fc.asyncProperty(unknownName(spec), async (key) => {
          const err = await refusal(entry(), { ...base(), [key]: 1 });
          expect(err).toBeInstanceOf(InvalidArgumentError);
          expect(err!.message).toContain(`unknown option "${key}"`);
        }),
        { numRuns: runs },
      );
    });

    if (unknownKeys) test('a near-miss of a real key is refused with the closest key as a suggestion', async () => {
      const keys = Object.keys(spec);
      await fc.assert(
        fc.asyncProperty(fc.constantFrom(...keys), fc.nat(3), fc.nat(40), fc.constantFrom(...'aeiouxsz'.split('')), async (key, op, at, letter) => {
          const typo = oneEdit(key, op, at, letter);
          fc.pre(!keys.includes(typo) && typo.length > 0);
          const err = await refusal(entry(), { ...base(), [typo]: 1 });
          expect(err).toBeInstanceOf(InvalidArgumentError);
          const best = Math.min(...keys.map((k) => editDistance(typo, k)));
          const nearest = keys.filter((k) => editDistance(typo, k) === best);
          const suggested = /did you mean "([^"]+)"/.exec(err!.message)?.[1];
          expect(err!.message).toContain(`unknown option "${typo}"`);
          expect(nearest).toContain(suggested);
        }),
        { numRuns: runs },
      );
    });

    test('good options are accepted', async () => {
      await fc.assert(
        fc.asyncProperty(goodRecord(goodSpec), async (options) => {
          expect(await refusal(entry(), { ...base(), ...options })).toBeUndefined();
        }),
        { numRuns: Math.min(runs, 30) },
      );
    });
  });
}

// ---- createNode, on a simulated network with its clock injected ----------------------------------
const net = new SimNetwork({ seed: 13 });
const opened: TapestryNode[] = [];
const nodeEntry: Entry = async (options) => opened.push(await createNode(options));
const simBase = () => ({ transport: net.createTransport(), clock: net.clock });

afterEach(async () => {
  await Promise.all(opened.splice(0).map((n) => n.close()));
});

// Keys whose good values need more than a number (library objects, the bootstrap) are exercised by the other node tests.
refusesBadOptions('createNode', NODE, () => nodeEntry, simBase, 80);

test('createNode names the nested key of a bad value inside an option', async () => {
  for (const { path, options } of NODE_NESTED) {
    const err = await refusal(nodeEntry, { ...simBase(), ...options });
    expect(err).toBeInstanceOf(InvalidArgumentError);
    expect(err!.message).toContain(`"${path}"`);
  }
});

test('createNode with no options uses the DEFAULTS values', async () => {
  const parsed = parseOptions(nodeOptionsSchema, {}, 'createNode');
  expect(parsed).toEqual({
    idBits: DEFAULTS.idBits,
    digitBits: DEFAULTS.digitBits,
    salts: DEFAULTS.salts,
    republishMs: DEFAULTS.republishMs,
    pointerLifetimeMs: DEFAULTS.pointerLifetimeMs,
    locateAttemptTimeoutMs: DEFAULTS.locateAttemptTimeoutMs,
    locateFanout: DEFAULTS.locateFanout,
    joinRetryMs: DEFAULTS.joinRetryMs,
    repairMs: DEFAULTS.repairMs,
    heartbeatMs: DEFAULTS.heartbeatMs,
    hopAcks: DEFAULTS.hopAcks,
    peerRateLimit: { perSec: DEFAULTS.peerRatePerSec, burst: DEFAULTS.peerRateBurst },
    extraPointers: { backups: DEFAULTS.extraPointerBackups, neighbours: DEFAULTS.extraPointerNeighbours, hops: DEFAULTS.extraPointerHops },
    objectOwnership: DEFAULTS.objectOwnership,
  });
  const node = await createNode(simBase());
  opened.push(node);
  expect(node.space.bits).toBe(DEFAULTS.idBits);
  expect(node.space.digitBits).toBe(DEFAULTS.digitBits);
  expect((node as unknown as { fanout: number }).fanout).toBe(Math.min(DEFAULTS.locateFanout, DEFAULTS.salts));
});

test('library objects pass through the schema untouched (never copied)', () => {
  const transport = net.createTransport();
  const log = { child: () => log, info() {}, warn() {}, debug() {}, error() {} };
  const random = (n: number) => new Uint8Array(n);
  const parsed = parseOptions(nodeOptionsSchema, { transport, clock: net.clock, log, random }, 'createNode');
  expect(parsed.transport).toBe(transport);
  expect(parsed.clock).toBe(net.clock);
  expect(parsed.log).toBe(log);
  expect(parsed.random).toBe(random);
});

// ---- createTestnet with two nodes -----------------------------------------------------------------
const testnetEntry: Entry = async (options) => {
  const t = await createTestnet(options as never);
  opened.push(...t.nodes);
};
// Good testnets keep their 2 nodes (the spec's largest count would be 16 million); other counts below.
const { nodes: _nodes, ...testnetGood } = TESTNET;
refusesBadOptions('createTestnet', TESTNET, () => testnetEntry, () => ({ nodes: 2 }), 40, testnetGood);
test('createTestnet accepts small node counts', async () => {
  for (const nodes of [1, 2, 5]) expect(await refusal(testnetEntry, { nodes })).toBeUndefined();
});

// ---- route, publish, locate, sendToObject and register on a node ----------------------------------
let node: TapestryNode;
beforeAll(async () => {
  const n = new SimNetwork({ seed: 14 });
  node = await createNode({ transport: n.createTransport(), clock: n.clock });
});
afterAll(() => node.close());

const object = Guid.fromName('an object');
refusesBadOptions('route', ROUTE, () => (o) => node.route(object, 'x', o));
refusesBadOptions('publish', PUBLISH, () => (o) => node.publish(object, o));
refusesBadOptions('locate', LOCATE, () => (o) => {
  const it = node.locate(object, o);
  void it.return?.();
});
refusesBadOptions('sendToObject', SEND_TO_OBJECT, () => async (o) => {
  // Refused with InvalidArgumentError, or run: on a node alone it ends at once with NotFoundError
  // (it is every root), an outcome and not a refusal.
  await node.sendToObject(object, 'x', o).catch((e: Error) => {
    if (e instanceof InvalidArgumentError) throw e;
  });
});

// ---- register: a module may carry keys of its own, but not a misspelt upcall ---------------------
const UPCALLS = ['attach', 'forward', 'deliver', 'update', 'leaving'];
const registerEntry: Entry = (o) => node.register({ id: 7, name: 'm', ...o } as UpcallModule)();
refusesBadOptions('register', MODULE, () => registerEntry, () => ({}), 60, MODULE, false);

/** The rule, written out: a function key that is no upcall but within 2 edits of one (1 when the first letters differ). */
const misspelt = (key: string): string | undefined =>
  UPCALLS.includes(key)
    ? undefined
    : UPCALLS.find((u) => {
        const d = editDistance(key.toLowerCase(), u);
        return d <= 1 || (d === 2 && key[0].toLowerCase() === u[0]);
      });

test('register accepts keys of the module\'s own, function-valued or not, unless they look like a misspelt upcall', async () => {
  await fc.assert(
    fc.asyncProperty(unknownName(MODULE), fc.boolean(), async (key, asFunction) => {
      const value = asFunction ? () => 1 : 1;
      const err = await refusal(registerEntry, { [key]: value });
      if (asFunction && misspelt(key)) {
        expect(err).toBeInstanceOf(InvalidArgumentError);
        expect(err!.message).toContain(`did you mean "${misspelt(key)}"`);
      } else {
        expect(err).toBeUndefined();
      }
    }),
    { numRuns: 100 },
  );
});

test('register refuses a method one edit from an upcall (two with the same first letter), naming the upcall meant, on the object or its class', async () => {
  await fc.assert(
    fc.asyncProperty(fc.constantFrom(...UPCALLS), fc.nat(3), fc.nat(10), fc.constantFrom(...'aeiouxsz'.split('')), fc.boolean(), async (upcall, op, at, letter, onClass) => {
      const typo = oneEdit(upcall, op, at, letter);
      fc.pre(!UPCALLS.includes(typo));
      const expected = misspelt(typo);
      const module = onClass
        ? new (class { id = 8; name = 'c' })()
        : { id: 8, name: 'o' };
      if (onClass) Object.defineProperty(Object.getPrototypeOf(module), typo, { value: () => 1, configurable: true });
      else Object.assign(module, { [typo]: () => 1 });
      const err = await refusal(() => node.register(module as UpcallModule)(), {});
      if (onClass) delete (Object.getPrototypeOf(module) as Record<string, unknown>)[typo];
      if (expected === undefined) {
        // Two edits that change the first letter (a swap at the start): the module's own, by the rule.
        expect(editDistance(typo, upcall)).toBe(2);
        expect(err).toBeUndefined();
        return;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(err!.message).toContain(`"${typo}"`);
      expect(err!.message).toContain(`did you mean "${expected}"`);
    }),
    { numRuns: 100 },
  );
  // Data of the module's own near an upcall's name is no misspelling; nor is `detach` beside `attach`.
  expect(await refusal(registerEntry, { delivered: 0, forwarded: 0, detach: () => 1 })).toBeUndefined();
});

test('request without options, or with an empty object, takes the fast path to the schema\'s own defaults', () => {
  expect(REQUEST_DEFAULTS).toEqual(parseOptions(requestOptionsSchema, {}, 'request'));
  expect(REQUEST_DEFAULTS).toEqual({ fuzzy: false, timeoutMs: DEFAULTS.requestTimeoutMs, module: 0, ttl: DEFAULTS.defaultTtl });
  expect(checkRequestOptions(undefined)).toEqual(checkRequestOptions({ fuzzy: false, timeoutMs: DEFAULTS.requestTimeoutMs, module: 0, ttl: DEFAULTS.defaultTtl }));
  expect(checkRequestOptions({})).toEqual(checkRequestOptions(undefined));
  expect(checkRequestOptions(Object.create(null))).toEqual(checkRequestOptions(undefined));
  expect(() => checkRequestOptions({ timeoutMs: 0 })).toThrow(InvalidArgumentError);
});

test('route without options, or with an empty object, takes the fast path to the schema\'s own defaults', () => {
  expect(ROUTE_DEFAULTS).toEqual({ fuzzy: false, ttl: DEFAULTS.defaultTtl, module: 0 });
  expect(parseOptions(routeOptionsSchema, {}, 'route')).toEqual(ROUTE_DEFAULTS);
  expect(() => node.route(object, 'x')).not.toThrow();
  expect(() => node.route(object, 'x', {})).not.toThrow();
  for (const bad of [null, 5, 'x', [], true]) expect(() => node.route(object, 'x', bad as never)).toThrow(InvalidArgumentError);
  // Objects the fast path leaves to the schema get what the schema gives: the same defaults.
  for (const empty of [Object.create(null), new Date()]) {
    expect(parseOptions(routeOptionsSchema, empty, 'route')).toEqual(ROUTE_DEFAULTS);
    expect(() => node.route(object, 'x', empty)).not.toThrow();
  }
});
