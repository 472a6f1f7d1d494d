/**
 * The package as an application gets it: packed, installed from the tarball into a fresh project
 * with no dev tools, then imported from an ES module, required from CommonJS, type-checked as a
 * TypeScript consumer (nodenext and bundler), every README example run as written, and the
 * `tapestry` command run. The oracle for "every public name" is the source: index.ts as the test
 * runner loads it, a separate path from the bundles under test.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import * as source from '../../index';
import { codeBlocks, createPackedConsumer, declaredExports, readRepoFile, REPO, type PackedConsumer } from '../helpers/packedConsumer';

jest.setTimeout(240_000);

let consumer: PackedConsumer;
let publicValues: string[];

beforeAll(() => {
  consumer = createPackedConsumer();
  publicValues = Object.keys(source).filter((k) => k !== '__esModule' && k !== 'default').sort();
});

afterAll(() => consumer?.dispose());

/** Runs node on a file of the consumer project; a failure shows what the process printed. */
function runNode(file: string, args: readonly string[] = [], timeoutMs = 60_000): string {
  const r = consumer.run(process.execPath, [file, ...args], timeoutMs);
  const out = `${r.stdout}\n${r.stderr}`.trim();
  if (r.status !== 0) throw new Error(`${file} exited with ${r.status ?? r.signal}${r.error ? ` (${r.error.message})` : ''}:\n${out}`);
  return r.stdout;
}

/**
 * Code that throws unless every exported class keeps its name (the bundles are built without
 * keepNames; errors report `new.target.name`, so a renamed class would mislabel every error).
 */
const CLASS_NAMES_CHECK = (obj: string): string =>
  `for (const [k, v] of Object.entries(${obj})) {\n` +
  `  if (typeof v === 'function' && /^[A-Z]/.test(k) && v.name !== k) throw new Error(k + ' is named ' + v.name);\n` +
  `  if (typeof v === 'function' && /Error$/.test(k) && new v('m').name !== k) throw new Error(k + ' reports ' + new v('m').name);\n` +
  `}\n`;

function write(name: string, text: string): string {
  writeFileSync(path.join(consumer.project, name), text);
  return name;
}

test('the tarball holds the built package and what a user needs, nothing else', () => {
  const files = consumer.pack.files;
  for (const f of ['dist/index.mjs', 'dist/index.cjs', 'dist/cli.mjs', 'dist/index.d.ts', 'dist/index.d.mts', 'dist/index.d.cts', 'bin/tapestry.cjs', 'messages.proto', 'README.md', 'package.json']) {
    expect(files).toContain(f);
  }
  const allowed = /^(dist\/|bin\/|messages\.proto$|README\.md$|LICENSE|package\.json$)/;
  expect(files.filter((f) => !allowed.test(f))).toEqual([]);
  expect(files.filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && !f.endsWith('.d.mts') && !f.endsWith('.d.cts'))).toEqual([]);
});

test('the declarations export exactly the public values of index.ts', () => {
  const { values, types } = declaredExports(readRepoFile('dist/index.d.ts'));
  expect(values).toEqual(publicValues);
  expect(types.length).toBeGreaterThan(10); // NodeOptions, RouteOptions, … (type-checked below)
});

test('an ES module imports every public name by name', () => {
  const names = publicValues.join(', ');
  write(
    'all.mjs',
    `import { ${names} } from 'tapestry-overlay';\n` +
      `import * as ns from 'tapestry-overlay';\n` +
      `const got = { ${names} };\n` +
      `const undef = Object.keys(got).filter((k) => got[k] === undefined);\n` +
      `if (undef.length) throw new Error('undefined: ' + undef.join(', '));\n` +
      CLASS_NAMES_CHECK('got') +
      `console.log(JSON.stringify(Object.keys(ns).filter((k) => k !== 'default').sort()));\n`,
  );
  const r = consumer.run(process.execPath, ['all.mjs']);
  expect(r.stderr).toBe(''); // no warnings either
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(publicValues);
});

test('a CommonJS file requires every public name', () => {
  write(
    'all.cjs',
    `const pkg = require('tapestry-overlay');\n` +
      `const names = ${JSON.stringify(publicValues)};\n` +
      `const undef = names.filter((k) => pkg[k] === undefined);\n` +
      `if (undef.length) throw new Error('undefined: ' + undef.join(', '));\n` +
      `if (!(new pkg.NotFoundError('x') instanceof pkg.TapestryError)) throw new Error('error classes broken');\n` +
      CLASS_NAMES_CHECK('pkg') +
      `console.log(JSON.stringify(Object.keys(pkg).sort()));\n`,
  );
  const r = consumer.run(process.execPath, ['all.cjs']);
  expect(r.stderr).toBe('');
  expect(r.status).toBe(0);
  expect(JSON.parse(r.stdout)).toEqual(publicValues);
});

describe('a TypeScript consumer type-checks', () => {
  const tsc = path.join(REPO, 'node_modules', '.bin', 'tsc');
  const consumerCode = (): string => {
    const { values, types } = declaredExports(readRepoFile('dist/index.d.ts'));
    return (
      `import { ${values.join(', ')} } from 'tapestry-overlay';\n` +
      `import type { ${types.join(', ')} } from 'tapestry-overlay';\n` +
      `export const values = [${values.join(', ')}] as const;\n` +
      `export type Types = [${types.join(', ')}];\n` +
      // A few uses whose types must line up (a wrong or `any` type would not catch these).
      `const options: NodeOptions = { transport: { family: 4, host: '127.0.0.1', port: 0 }, bootstrap: ['127.0.0.1:4000'] };\n` +
      `export const node: Promise<TapestryNode> = createNode(options);\n` +
      `const route: RouteOptions = { fuzzy: true, ttl: 8, module: 0 };\n` +
      `export async function use(n: TapestryNode): Promise<number> { n.route(Guid.fromName('k'), 'hi', route); const s: NodeStatus = n.status; return s.length; }\n` +
      `export const isError = (e: unknown): boolean => e instanceof NotFoundError || e instanceof TapestryError;\n` +
      `// @ts-expect-error: a route's ttl is a number\n` +
      `export const bad: RouteOptions = { ttl: 'eight' };\n`
    );
  };
  const tsconfig = (name: string, compilerOptions: object, files: string[]): string =>
    write(
      name,
      JSON.stringify({
        compilerOptions: {
          strict: true,
          noEmit: true,
          target: 'es2022',
          types: ['node'],
          // @types/node comes with the package's @types/bunyan; the repository's copy is a fallback.
          typeRoots: [path.join(consumer.project, 'node_modules', '@types'), path.join(REPO, 'node_modules', '@types')],
          ...compilerOptions,
        },
        files,
      }),
    );
  const check = (config: string): void => {
    const r = consumer.run(tsc, ['-p', config], 120_000);
    if (r.status !== 0) throw new Error(`tsc -p ${config} failed:\n${r.stdout}${r.stderr}`);
  };

  test('moduleResolution nodenext: a .ts (CommonJS, require types) and a .mts (ES module, import types)', () => {
    write('consumer.ts', consumerCode());
    write('consumer.mts', consumerCode());
    check(tsconfig('tsconfig.nodenext.json', { module: 'nodenext', moduleResolution: 'nodenext' }, ['consumer.ts', 'consumer.mts']));
  });

  test('moduleResolution bundler', () => {
    write('bundled.ts', consumerCode());
    check(tsconfig('tsconfig.bundler.json', { module: 'esnext', moduleResolution: 'bundler' }, ['bundled.ts']));
  });
});

describe('every README example runs as written', () => {
  const readme = readRepoFile('README.md');
  const blocks = [
    ...codeBlocks(readme, 'js').map((b) => ({ ...b, ext: 'mjs' })),
    ...codeBlocks(readme, 'cjs').map((b) => ({ ...b, ext: 'cjs' })),
  ];

  test('the README has examples to run', () => {
    expect(blocks.length).toBeGreaterThanOrEqual(5);
  });

  test.each(blocks.map((b) => [`README.md line ${b.line} (${b.ext})`, b] as const))('%s', (_name, block) => {
    expect(block.code).toMatch(/from 'tapestry-overlay'|require\('tapestry-overlay'\)/);
    const file = write(`readme-${block.line}.${block.ext}`, block.code);
    runNode(file, [], 60_000); // throws with the block's output when it fails or hangs
  });
});

test('npx tapestry demo runs the compiled command', () => {
  const r = consumer.run('npx', ['--no', 'tapestry', 'demo', '--nodes', '64', '--udp', '4', '--routes', '200'], 120_000);
  if (r.status !== 0) throw new Error(`tapestry demo exited with ${r.status ?? r.signal}:\n${r.stdout}${r.stderr}`);
  expect(r.stdout).toMatch(/Everything routed as expected/);
});

test("the bundles' keepNames helper renames declarations only, not each closure the runtime makes", () => {
  // scripts/build.mjs narrows esbuild's __name so arrows and methods (no prototype) keep no property
  // array of their own: about 24 kB per simulated node. The class-name check above still holds.
  const dist = path.join(consumer.project, 'node_modules', 'tapestry-overlay', 'dist');
  const definers = readdirSync(dist).filter((f) => /\.(mjs|cjs)$/.test(f)).map((f) => readFileSync(path.join(dist, f), 'utf8')).filter((t) => t.includes('var __name ='));
  expect(definers.length).toBeGreaterThanOrEqual(2);
  for (const text of definers) expect(text).toMatch(/var __name = \(target, value\) => \(target\.prototype === undefined \? target : /);
});
