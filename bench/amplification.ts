/**
 * Amplification of every request an unproven sender can make, against a 16-node `signed` mesh on
 * loopback: the attacker (tests/security/hostile, frames built from messages.proto with protobufjs)
 * sends each kind of request to every node, once naming a third party's address and once naming its
 * own socket, and counts what arrives at each. A factor is bytes arrived / bytes sent (target ≤ 1).
 * Real sockets: counts vary a little from run to run (timers, resends), the factors hardly.
 */
import { Guid } from '../routing/guid';
import { measureAmplification } from '../tests/security/hostile/amplification';
import { honestMesh } from '../tests/security/hostile/honestMesh';

export async function benchAmplification(nodes = 16): Promise<Record<string, unknown>[]> {
  const mesh = await honestMesh(nodes);
  try {
    const object = Guid.fromName('amplification bench object');
    mesh.nodes[0].publish(object);
    // Published and locatable before the locate requests go out.
    for (let t = 0; t < 40; t++) {
      let found = false;
      try {
        for await (const r of mesh.nodes[nodes - 1].locate(object)) found ||= r.server.guid.equals(mesh.nodes[0].guid);
      } catch {
        // not yet
      }
      if (found) break;
      await new Promise((r) => setTimeout(r, 250));
    }
    const rows = await measureAmplification(mesh.nodes, { object: object.bytes }, nodes);
    return rows.map((r) => ({ nodes, ...r }));
  } finally {
    await mesh.close();
  }
}
