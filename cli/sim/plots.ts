/**
 * The plots a person opens in a browser: vega-lite specs compiled to vega and rendered to SVG on
 * the server (no browser, no canvas: vega's 'none' renderer with its text-width estimate).
 *
 * vega and vega-lite are ES modules only; they are loaded with a dynamic import() at run time, which
 * works from the tsx-run source and from the esbuild bundle alike (they stay external there), and
 * costs nothing to a run that ends before its plots (a usage error).
 */
import { writeFileSync } from 'node:fs';
import path from 'node:path';
import type { TopLevelSpec } from 'vega-lite';

type Row = Record<string, number | string>;

const WIDTH = 560;
const HEIGHT = 320;

/** Renders one vega-lite spec to SVG text. */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const vega = await import('vega');
  const vl = await import('vega-lite');
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

const base = (title: string, values: Row[]) => ({
  $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
  title,
  width: WIDTH,
  height: HEIGHT,
  background: 'white',
  data: { values },
});

export function hopHistogramSpec(histogram: Record<string, number>, title: string): TopLevelSpec {
  const values = Object.entries(histogram).map(([hops, count]) => ({ hops: Number(hops), count }));
  return {
    ...base(title, values),
    mark: { type: 'bar', tooltip: true },
    encoding: {
      x: { field: 'hops', type: 'ordinal', title: 'overlay hops' },
      y: { field: 'count', type: 'quantitative', title: 'routes delivered' },
    },
  } as TopLevelSpec;
}

export function rdpCdfSpec(series: Array<{ name: string; cdf: ReadonlyArray<{ rdp: number; share: number }> }>, title: string): TopLevelSpec {
  const values = series.flatMap((s) => s.cdf.map((p) => ({ kind: s.name, rdp: p.rdp, share: p.share })));
  return {
    ...base(title, values),
    mark: { type: 'line', interpolate: 'step-after', point: true, tooltip: true },
    encoding: {
      x: { field: 'rdp', type: 'quantitative', title: 'RDP (overlay delay / direct delay), log scale', scale: { type: 'log' } },
      y: { field: 'share', type: 'quantitative', title: 'share of operations ≤ RDP', scale: { domain: [0, 1] } },
      color: { field: 'kind', type: 'nominal', title: 'operation' },
    },
  } as TopLevelSpec;
}

export function successSpec(buckets: ReadonlyArray<{ fromS: number; toS: number; routesSent: number; routesOk: number; locatesSent: number; locatesOk: number }>, title: string, eventAtS?: number): TopLevelSpec {
  const values: Row[] = [];
  for (const b of buckets) {
    const t = (b.fromS + b.toS) / 2;
    if (b.routesSent) values.push({ t, kind: 'routes', rate: b.routesOk / b.routesSent });
    if (b.locatesSent) values.push({ t, kind: 'locates', rate: b.locatesOk / b.locatesSent });
  }
  const line = {
    data: { values },
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 't', type: 'quantitative', title: 'virtual time since the scenario started (s)' },
      y: { field: 'rate', type: 'quantitative', title: 'success rate (by send time)', scale: { domain: [0, 1] } },
      color: { field: 'kind', type: 'nominal', title: 'operation' },
    },
  };
  const layers: unknown[] = [line];
  // The failure instant, as a vertical rule.
  if (eventAtS !== undefined) layers.push({ data: { values: [{ t: eventAtS }] }, mark: { type: 'rule', strokeDash: [4, 4], color: 'firebrick' }, encoding: { x: { field: 't', type: 'quantitative' } } });
  const { data: _unused, ...rest } = base(title, []);
  return { ...rest, layer: layers } as TopLevelSpec;
}

export function joinCostSpec(bins: ReadonlyArray<{ meshFrom: number; meshTo: number; datagramsMean: number }>, title: string): TopLevelSpec {
  const values = bins.map((b) => ({ nodes: (b.meshFrom + b.meshTo) / 2, datagrams: b.datagramsMean }));
  return {
    ...base(title, values),
    mark: { type: 'line', point: true, tooltip: true },
    encoding: {
      x: { field: 'nodes', type: 'quantitative', title: 'nodes in the mesh at the join' },
      y: { field: 'datagrams', type: 'quantitative', title: 'datagrams per join (mean over the bin)' },
    },
  } as TopLevelSpec;
}

/** Renders each spec to DIR/<name>.svg; returns the files written. */
export async function writePlots(dir: string, plots: ReadonlyArray<{ name: string; spec: TopLevelSpec }>): Promise<string[]> {
  const files: string[] = [];
  for (const p of plots) {
    const file = path.join(dir, `${p.name}.svg`);
    writeFileSync(file, await renderSvg(p.spec));
    files.push(file);
  }
  return files;
}
