// `npm run build`: the package as an application installs it, in dist/.
//
//   dist/index.mjs   ES module of index.ts (named exports an `import` sees), + source map
//   dist/cli.mjs     the `tapestry` command (bin/tapestry.cjs loads it), + source map
//   dist/chunk-*.mjs the code those two share
//   dist/index.cjs   CommonJS of index.ts (for `require`), + source map
//   dist/index.d.ts  every public type in one file; index.d.mts / index.d.cts are the same text
//                    under the names TypeScript reads for an `import` / a `require` consumer
//
// Why these choices:
// - esbuild bundles each entry into one file: no extensionless relative imports for Node's ESM
//   loader to trip on, and one file to read at start-up instead of ~90.
// - Runtime dependencies stay external (the application's npm installs and dedupes them), except
//   @noble/hashes in the CommonJS build: it is ESM-only, and although Node >= 20.19 can require()
//   an ES module, tools that run CommonJS with their own loader (jest, older bundlers) cannot. It is
//   a few kB of the two hash functions used; inlining it makes `require` work everywhere.
// - wire/ reads messages.proto at run time from `path.join(__dirname, '..', 'messages.proto')`.
//   From dist/ that is the package root, where the file ships; an ES module has no __dirname, so
//   the ESM build defines it from import.meta.url (Node >= 20.11 also has import.meta.dirname, but
//   the URL form works in every loader).
// - Declarations: TypeScript 7 (the project's compiler) emits them per file; rollup-plugin-dts
//   (which runs on the TypeScript 6 API, since 7 has no JS API) rolls them into one file, so
//   consumers under moduleResolution nodenext never meet an extensionless relative import.
import { build } from 'esbuild';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dist = path.join(root, 'dist');
const pkg = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8'));
const deps = Object.keys(pkg.dependencies ?? {});
// A dependency is external with its subpaths too (e.g. pure-rand/generator/xoroshiro128plus).
const external = (inline = []) => deps.filter((d) => !inline.includes(d)).flatMap((d) => [d, `${d}/*`]);

rmSync(dist, { recursive: true, force: true });

const common = {
  absWorkingDir: root,
  bundle: true,
  platform: 'node',
  target: 'node20',
  sourcemap: true,
  // Maps give stack traces (node --enable-source-maps) the TypeScript file and line; the sources
  // themselves are not shipped, which keeps the package a third of the size.
  sourcesContent: false,
  // Class and function names stay as written: without it esbuild names a class with static members
  // `_Guid`, and errors report new.target.name (the consumer test checks every public class's name).
  keepNames: true,
  logLevel: 'warning',
};

// ES modules: the library and the CLI in one build with code splitting, so the code they share is
// one chunk file (dist/chunk-*.mjs), not a second copy of the runtime for the command. Chunks sit in
// dist/ itself so every file's __dirname/.. is the package root.
const esm = build({
  ...common,
  entryPoints: { index: 'index.ts', cli: 'cli/main.ts' },
  outdir: 'dist',
  outExtension: { '.js': '.mjs' },
  chunkNames: 'chunk-[hash]',
  splitting: true,
  format: 'esm',
  external: external(),
  banner: {
    js: [
      "import { fileURLToPath as __tapestryFileURLToPath } from 'node:url';",
      "import { dirname as __tapestryDirname } from 'node:path';",
      'const __dirname = __tapestryDirname(__tapestryFileURLToPath(import.meta.url));',
    ].join('\n'),
  },
});
const cjs = build({ ...common, entryPoints: ['index.ts'], outfile: 'dist/index.cjs', format: 'cjs', external: external(['@noble/hashes']) });
await Promise.all([esm, cjs]);
namesForDeclarationsOnly();

// Declarations: emitted per file into a scratch folder, rolled into one, written under three names.
const scratch = mkdtempSync(path.join(tmpdir(), 'tapestry-dts-'));
try {
  const tsc = path.join(root, 'node_modules', '.bin', 'tsc');
  execFileSync(tsc, ['-p', 'tsconfig.build.json', '--rootDir', '.', '--outDir', scratch], { cwd: root, stdio: ['ignore', 2, 2] });
  const { rollup } = await import('rollup');
  const { dts } = await import('rollup-plugin-dts');
  // Types of the dependencies and of Node stay imports (the consumer resolves them); ours are inlined.
  const isExternal = (id) => id.startsWith('node:') || builtinModules.includes(id) || deps.some((d) => id === d || id.startsWith(`${d}/`)) || id === 'bunyan';
  const bundle = await rollup({ input: path.join(scratch, 'index.d.ts'), plugins: [dts()], external: isExternal });
  const { output } = await bundle.generate({ format: 'es' });
  await bundle.close();
  const text = output[0].code;
  for (const name of ['index.d.ts', 'index.d.mts', 'index.d.cts']) writeFileSync(path.join(dist, name), text);
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

// Progress goes to stderr: `npm pack --json` (which runs this as prepack) keeps a clean stdout.
console.error('built dist/: index.mjs, cli.mjs, index.cjs, index.d.ts (.d.mts, .d.cts)');

/**
 * keepNames wraps every named function, arrow functions included, in esbuild's `__name` helper: one
 * Object.defineProperty per closure made. The runtime makes a hundred or so closures per node (timers,
 * actor callbacks), and each renamed one holds its own property array: about 24 kB a node, a third of
 * a simulated node's heap (80 → 55 kB at 5,000 nodes). The names that matter (classes, error classes,
 * exported functions) are on functions that have a `prototype`; arrows, async arrows and methods have
 * none, so the helper now renames only functions with a prototype. An esbuild whose helper reads
 * differently fails the build here rather than silently keeping the cost.
 */
function namesForDeclarationsOnly() {
  const helper = 'var __name = (target, value) => __defProp(target, "name", { value, configurable: true });';
  const lean = 'var __name = (target, value) => (target.prototype === undefined ? target : __defProp(target, "name", { value, configurable: true }));';
  let patched = 0;
  for (const file of readdirSync(dist).filter((f) => /\.(mjs|cjs)$/.test(f))) {
    const full = path.join(dist, file);
    const text = readFileSync(full, 'utf8');
    // Files that import the helper from a shared chunk have no definition of their own.
    if (!text.includes('var __name =')) continue;
    const parts = text.split(helper);
    if (parts.length !== 2) throw new Error(`build: ${file} does not define esbuild's __name helper once as expected (found ${parts.length - 1})`);
    // Same line count, so the source map stays right for every other line.
    writeFileSync(full, parts.join(lean));
    patched++;
  }
  if (patched === 0) throw new Error('build: no output defines esbuild\'s __name helper; keepNames changed shape');
}
