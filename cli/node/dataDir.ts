/**
 * The daemon's data directory: the identity key file (the node's GUID across restarts; created mode
 * 0600 by createNode when missing) and a snapshot of the peers it knew, so a restarted node rejoins
 * without --bootstrap. The snapshot is written atomically (temporary file, then rename) on exit and
 * periodically; a damaged snapshot is ignored (the node then needs a bootstrap address).
 */
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import type { Address } from '../../routing/handle';
import { formatIp } from '../../transport/address';

/** Most peers a snapshot keeps (the nearest the node knew are enough to rejoin). */
export const MAX_SNAPSHOT_PEERS = 256;

const snapshotSchema = z.strictObject({
  guid: z.string().regex(/^[0-9a-f]+$/),
  savedAt: z.string(),
  peers: z.array(z.string().min(1)).max(MAX_SNAPSHOT_PEERS),
});

export type PeerSnapshot = z.infer<typeof snapshotSchema>;

/** `host:port` of an address, brackets around IPv6, as bootstrap strings take it. */
export function addressText(a: Address): string {
  return a.family === 6 ? `[${formatIp(a)}]:${a.port}` : `${formatIp(a)}:${a.port}`;
}

export class DataDir {
  constructor(readonly path: string) {
    mkdirSync(path, { recursive: true, mode: 0o700 });
  }

  /** The identity key file createNode loads (or creates). */
  get identityFile(): string {
    return join(this.path, 'identity.key');
  }

  private get snapshotFile(): string {
    return join(this.path, 'peers.json');
  }

  /** The last snapshot, or undefined when there is none or it does not parse. */
  readSnapshot(): PeerSnapshot | undefined {
    let text: string;
    try {
      text = readFileSync(this.snapshotFile, 'utf8');
    } catch {
      return undefined;
    }
    try {
      const r = snapshotSchema.safeParse(JSON.parse(text));
      return r.success ? r.data : undefined;
    } catch {
      return undefined;
    }
  }

  /** Writes the peers `guid` knows now (at most MAX_SNAPSHOT_PEERS). */
  writeSnapshot(guid: string, peers: readonly Address[], now: Date): void {
    const snap: PeerSnapshot = { guid, savedAt: now.toISOString(), peers: peers.slice(0, MAX_SNAPSHOT_PEERS).map(addressText) };
    const tmp = `${this.snapshotFile}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(snap, null, 2)}\n`, { mode: 0o600 });
    renameSync(tmp, this.snapshotFile);
  }
}
