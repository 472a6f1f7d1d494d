/**
 * report.json: `{ deterministic, runtime }`. The deterministic part holds every figure of the run
 * and depends only on the options (same options and seed, same bytes: keys are written in sorted
 * order, numbers rounded). The runtime part (wall time, memory, Node version) differs from run to
 * run and is kept apart so the two can be compared, or diffed, on their own.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { hopFigures, rdpFigures, round, share, spread } from './figures';
import type { JoinRecord } from './joinBuild';
import type { Probes } from './probes';
import type { ScenarioOutcome } from './scenario';
import { BUCKETS } from './scenario';
import type { Traffic } from './traffic';

export function routeFigures(probes: Probes) {
  const ok = probes.routes.filter((r) => probes.routeOk(r));
  const rdp = ok.map((r) => probes.routeRdp(r)).filter(Number.isFinite);
  return { sent: probes.routes.length, delivered: ok.length, successRate: share(ok.length, probes.routes.length), hops: hopFigures(ok.map((r) => r.hops!)), rdp: rdpFigures(rdp) };
}

export function locateFigures(probes: Probes) {
  const ok = probes.locates.filter((l) => probes.locateOk(l));
  // A client next to a replica (direct latency 0) has no RDP: left out of the distribution.
  const rdp = ok.map((l) => probes.locateRdp(l)).filter(Number.isFinite);
  return { sent: probes.locates.length, found: ok.length, successRate: share(ok.length, probes.locates.length), hops: hopFigures(ok.map((l) => l.hops!)), rdp: rdpFigures(rdp) };
}

/** Success by send time, in BUCKETS equal buckets of the scenario's virtual time. */
export function successOverTime(probes: Probes, outcome: ScenarioOutcome) {
  const buckets = Array.from({ length: BUCKETS }, (_, b) => ({
    fromS: round((b * outcome.bucketMs) / 1000, 3), toS: round(((b + 1) * outcome.bucketMs) / 1000, 3),
    routesSent: 0, routesOk: 0, locatesSent: 0, locatesOk: 0, successRate: 1,
  }));
  const bucketOf = (sentAt: number) => buckets[Math.min(BUCKETS - 1, Math.max(0, Math.floor((sentAt - outcome.startMs) / outcome.bucketMs)))];
  for (const r of probes.routes) {
    const b = bucketOf(r.sentAt);
    b.routesSent++;
    if (probes.routeOk(r)) b.routesOk++;
  }
  for (const l of probes.locates) {
    const b = bucketOf(l.sentAt);
    b.locatesSent++;
    if (probes.locateOk(l)) b.locatesOk++;
  }
  for (const b of buckets) b.successRate = share(b.routesOk + b.locatesOk, b.routesSent + b.locatesSent);
  return buckets;
}

/** Join costs: summaries, and the mean per bin of mesh size (at most 100 bins) for the plot. */
export function joinFigures(records: readonly JoinRecord[]) {
  const bins: Array<{ meshFrom: number; meshTo: number; joins: number; datagramsMean: number; bytesMean: number }> = [];
  if (records.length) {
    const width = Math.max(1, Math.ceil(records.length / 100));
    for (let k = 0; k < records.length; k += width) {
      const part = records.slice(k, k + width);
      bins.push({
        meshFrom: part[0].meshSize, meshTo: part[part.length - 1].meshSize, joins: part.length,
        datagramsMean: round(part.reduce((s, r) => s + r.datagrams, 0) / part.length, 2),
        bytesMean: round(part.reduce((s, r) => s + r.bytes, 0) / part.length, 1),
      });
    }
  }
  return {
    joins: records.length,
    active: records.filter((r) => r.active).length,
    datagramsPerJoin: spread(records.map((r) => r.datagrams)),
    bytesPerJoin: spread(records.map((r) => r.bytes)),
    byMeshSize: bins,
  };
}

/** Traffic of a phase per operation. */
export function perOp(t: Traffic, ops: number) {
  return { ...t, ops, datagramsPerOp: ops ? round(t.datagrams / ops, 3) : 0, bytesPerOp: ops ? round(t.bytes / ops, 1) : 0 };
}

/** The same value with every object's keys in sorted order (arrays keep theirs): a stable text. */
export function canonical(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = canonical(v);
    }
    return out;
  }
  return value;
}

/** Writes DIR/report.json; returns its path. */
export function writeReport(dir: string, deterministic: unknown, runtime: unknown): string {
  mkdirSync(dir, { recursive: true });
  const file = path.join(dir, 'report.json');
  writeFileSync(file, `${JSON.stringify({ deterministic: canonical(deterministic), runtime: canonical(runtime) }, null, 2)}\n`);
  return file;
}
