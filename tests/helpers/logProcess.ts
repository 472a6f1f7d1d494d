/**
 * Run as a child process by tests/unit/logging.test.ts: two simulated nodes, one joining through the
 * other, a route between them, then both close. What it logs depends on TAPESTRY_LOG_LEVEL only.
 */
import { createNode } from '../../api/node';
import { SimNetwork } from '../../transport/simNetwork';

async function main(): Promise<void> {
  const net = new SimNetwork({ seed: 2 });
  const a = await createNode({ transport: net.createTransport(), clock: net.clock });
  const b = await createNode({ transport: net.createTransport(), clock: net.clock, bootstrap: [a.address] });
  net.run(net.now + 5_000);
  b.route(a.guid, 'hello');
  net.run(net.now + 1_000);
  await Promise.all([a.close(), b.close()]);
}

void main();
