/**
 * Misuse found by using the package as a plain-JS user would (issue 13): a bootstrap address given
 * as one string, a bootstrap of the wrong type, and waiting for a status of a node that closed.
 */
import { createNode } from '../../api/node';
import { ClosedError, InvalidArgumentError } from '../../errors';
import { formatIp } from '../../transport/address';
import { SimNetwork } from '../../transport/simNetwork';

const udpSockets = () => process.getActiveResourcesInfo().filter((r) => r === 'UDPWrap').length;

test('bootstrap as one address string: the node joins through it', async () => {
  const net = new SimNetwork({ seed: 5 });
  const first = await createNode({ transport: net.createTransport(), clock: net.clock });
  const text = `${formatIp(first.address)}:${first.address.port}`;
  const second = await createNode({ transport: net.createTransport(), clock: net.clock, bootstrap: text });
  net.run(net.now + 5_000);
  expect(second.status).toBe('ACTIVE');
  expect(second.table.has(first.guid)).toBe(true);
  await Promise.all([first.close(), second.close()]);
});

test('a bootstrap of any other type is an InvalidArgumentError, and no socket is left open', async () => {
  const before = udpSockets();
  for (const bad of [42, {}, null, true, { resolve: 'not a function' }]) {
    await expect(createNode({ bootstrap: bad as never })).rejects.toThrow(InvalidArgumentError);
  }
  expect(udpSockets()).toBe(before);
});

test('waiting for a status rejects with ClosedError once the node closes, or when it already has', async () => {
  const net = new SimNetwork({ seed: 6 });
  const node = await createNode({ transport: net.createTransport(), clock: net.clock });
  expect(node.status).toBe('ALONE');
  const active = node.whenStatus('ACTIVE');
  const closed = node.whenStatus('CLOSED');
  await node.close();
  await expect(active).rejects.toThrow(ClosedError);
  await expect(closed).resolves.toBeUndefined();
  await expect(node.whenStatus('ACTIVE')).rejects.toThrow(ClosedError);
  await expect(node.whenStatus('CLOSED')).resolves.toBeUndefined();
});
