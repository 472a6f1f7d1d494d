/** Human-readable renderings of the control API's answers (the client commands without --json). */

export interface Peer {
  readonly guid: string;
  readonly address: string;
}

const short = (p: Peer) => `${p.guid.slice(0, 8)}@${p.address}`;

export function formatStatus(s: {
  status: string; guid: string; address: string; uptimeSeconds: number;
  counts: { tableEntries: number; backpointers: number; leafSet: number; pointers: number; objects: number; delivered: number };
}): string {
  const c = s.counts;
  return `${s.status} ${s.guid} on ${s.address}, up ${s.uptimeSeconds} s\n` +
    `table ${c.tableEntries} entries, ${c.backpointers} backpointers; leaf set ${c.leafSet}; pointers ${c.pointers} (${c.objects} objects); delivered ${c.delivered}`;
}

export function formatTable(t: { guid: string; size: number; levels: Array<{ level: number; slots: Array<{ digit: number; entries: Array<Peer & { latencyMs: number }> }> }>; backpointers: Peer[] }): string {
  const lines = [`routing table of ${t.guid}: ${t.size} entries`];
  for (const l of t.levels) {
    for (const s of l.slots) lines.push(`  level ${l.level} digit ${s.digit.toString(16)}: ${s.entries.map((e) => `${short(e)} ${e.latencyMs.toFixed(1)} ms`).join(', ')}`);
  }
  lines.push(`backpointers (${t.backpointers.length}): ${t.backpointers.map(short).join(', ') || 'none'}`);
  return lines.join('\n');
}

export function formatLeafSet(l: { smaller: Peer[]; larger: Peer[] }): string {
  return `smaller (${l.smaller.length}): ${l.smaller.map(short).join(', ') || 'none'}\nlarger (${l.larger.length}): ${l.larger.map(short).join(', ') || 'none'}`;
}

/** One line of a locate's answer. */
export type LocateLine =
  | { object: string; server: Peer; tag: string; hops: number; elapsedMs: number }
  | { done: true; object: string; found: number; outcome: string }
  | { error: string };

export function formatLocate(line: LocateLine): string {
  if ('error' in line) return `error: ${line.error}`;
  if ('done' in line) return line.found ? `found ${line.found} replica(s) of ${line.object}` : `no replica of ${line.object} found (${line.outcome})`;
  return `${short(line.server)}${line.tag ? ` tag "${line.tag}"` : ''}: ${line.hops} hops, ${line.elapsedMs.toFixed(1)} ms`;
}

/** One line of a providers answer. */
export type ProviderLine =
  | { key: string; provider: Peer; hops: number; elapsedMs: number }
  | { done: true; key: string; found: number; outcome: string }
  | { error: string };

export function formatProvider(line: ProviderLine): string {
  if ('error' in line) return `error: ${line.error}`;
  if ('done' in line) return line.found ? `found ${line.found} provider(s) of ${line.key}` : `no provider of ${line.key} found (${line.outcome})`;
  return `${short(line.provider)}: ${line.hops} hops, ${line.elapsedMs.toFixed(1)} ms`;
}
