/**
 * The README's options tables, generated from the schemas (api/options/): one table per options type
 * of the public API with each key's type, default, range and description, so the README cannot
 * drift from what the code accepts. `npm run options-table` rewrites the README between its markers;
 * `--check` only reports whether it is up to date (tests/unit/optionsReadme.test.ts does the same).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { z } from 'zod';
import { locateOptionsSchema, sendToObjectOptionsSchema } from '../api/options/locateOptions';
import { moduleSchema } from '../api/options/moduleSchema';
import { nodeOptionsSchema } from '../api/options/nodeOptions';
import { publishOptionsSchema } from '../api/options/publishOptions';
import { requestOptionsSchema } from '../api/options/requestOptions';
import { routeOptionsSchema } from '../api/options/routeOptions';
import { describe, docOf, shapeOf, unwrap } from '../api/options/schema';
import { testnetOptionsSchema } from '../api/options/testnetOptions';

export const BEGIN = '<!-- options:begin -->';
export const END = '<!-- options:end -->';
export const README = join(__dirname, '..', 'README.md');
export const REGENERATE = 'npm run options-table';

/** Every options type of the public API, in the order the README shows them. */
export const OPTION_TYPES: ReadonlyArray<{ name: string; entry: string; schema: z.ZodType; note?: string; expand?: readonly string[] }> = [
  { name: 'NodeOptions', entry: 'createNode(options)', schema: nodeOptionsSchema, expand: ['transport', 'peerRateLimit', 'extraPointers'] },
  { name: 'TestnetOptions', entry: 'createTestnet(options)', schema: testnetOptionsSchema },
  { name: 'RouteOptions', entry: 'node.route(guid, payload, options)', schema: routeOptionsSchema },
  { name: 'RequestOptions', entry: 'node.request(guid, payload, options)', schema: requestOptionsSchema },
  { name: 'PublishOptions', entry: 'node.publish(object, options)', schema: publishOptionsSchema },
  { name: 'LocateOptions', entry: 'node.locate(object, options)', schema: locateOptionsSchema },
  { name: 'SendToObjectOptions', entry: 'node.sendToObject(object, payload, options)', schema: sendToObjectOptionsSchema },
  {
    name: 'UpcallModule',
    entry: 'node.register(module)',
    schema: moduleSchema,
    note:
      'A module may carry keys of its own (its API, its state), but a method within two edits of an upcall ' +
      "that is not one (`delivr`, `forwrd`, `Update`; one edit when the first letter differs, so `detach` is fine) " +
      'is refused as a misspelt upcall, naming the one meant.',
  },
];

/** A default value as the table shows it. */
function showDefault(v: unknown): string {
  if (typeof v === 'string') return `'${v}'`;
  if (typeof v === 'object' && v !== null) return `{ ${Object.entries(v).map(([k, x]) => `${k}: ${showDefault(x)}`).join(', ')} }`;
  return String(v);
}

const cell = (text: string): string => text.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const code = (text: string): string => '`' + text.replace(/\|/g, '\\|') + '`';

function row(key: string, schema: z.ZodType, required: boolean): string {
  const doc = docOf(schema);
  const { type, range } = describe(schema);
  const { hasDefault, defaultValue } = unwrap(schema);
  const def = doc?.default ?? (hasDefault ? showDefault(defaultValue) : required ? '(required)' : '—');
  return `| ${code(key)} | ${code(type)} | ${cell(def)} | ${cell(range ?? '')} | ${cell(doc?.description ?? '')} |`;
}

/** The markdown tables, one per options type. */
export function optionsTables(): string {
  const out: string[] = [];
  for (const t of OPTION_TYPES) {
    out.push(`### ${t.name} — \`${t.entry}\``, '');
    if (t.note) out.push(t.note, '');
    out.push('| Key | Type | Default | Range | Description |', '|---|---|---|---|---|');
    for (const [key, schema] of Object.entries(shapeOf(t.schema) ?? {})) {
      const required = !schema.safeParse(undefined).success;
      out.push(row(key, schema, required));
      if (!t.expand?.includes(key)) continue;
      for (const [sub, subSchema] of Object.entries(shapeOf(schema) ?? {})) out.push(row(`${key}.${sub}`, subSchema, !subSchema.safeParse(undefined).success));
    }
    out.push('');
  }
  return out.join('\n').trimEnd();
}

/** The README's text between the markers (undefined without them). */
export function readmeTables(readme: string): string | undefined {
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  return a < 0 || b < a ? undefined : readme.slice(a + BEGIN.length, b).trim();
}

function main(): void {
  const readme = readFileSync(README, 'utf8');
  const a = readme.indexOf(BEGIN);
  const b = readme.indexOf(END);
  if (a < 0 || b < a) throw new Error(`README.md has no ${BEGIN} … ${END} markers`);
  const fresh = `${readme.slice(0, a + BEGIN.length)}\n${optionsTables()}\n${readme.slice(b)}`;
  if (process.argv.includes('--check')) {
    if (fresh !== readme) {
      console.error(`README.md's options tables are out of date: run ${REGENERATE}`);
      process.exit(1);
    }
    return;
  }
  if (fresh !== readme) writeFileSync(README, fresh);
}

if (require.main === module) main();
