/**
 * The README's options tables are the ones the schemas generate (scripts/optionsTable.ts): a key,
 * default, range or description changed in a schema without regenerating them fails here.
 */
import { readFileSync } from 'node:fs';
import { optionsTables, OPTION_TYPES, README, readmeTables, REGENERATE } from '../../scripts/optionsTable';
import { shapeOf, docOf } from '../../api/options/schema';

test('the README holds the options tables the schemas generate', () => {
  const inReadme = readmeTables(readFileSync(README, 'utf8'));
  expect(inReadme).toBeDefined();
  if (inReadme !== optionsTables()) {
    throw new Error(`README.md's options tables differ from the schemas: run \`${REGENERATE}\` and commit README.md`);
  }
});

test('every key of every options schema is documented, and sits in its table', () => {
  const tables = optionsTables();
  for (const t of OPTION_TYPES) {
    const keys = Object.keys(shapeOf(t.schema) ?? {});
    expect(keys.length).toBeGreaterThan(0);
    for (const key of keys) {
      expect({ type: t.name, key, described: !!docOf(shapeOf(t.schema)![key])?.description }).toEqual({ type: t.name, key, described: true });
      expect(tables).toContain(`| \`${key}\` |`);
    }
  }
});
