// Compiles the project's sources (and test helpers the benchmarks share, not the tests) to plain CommonJS in .bench/, as an application
// would ship them, for `npm run bench:compiled`. Under tsx every named closure is wrapped by
// esbuild's keepNames helper (an Object.defineProperty per closure made): harmless for an
// application, but in a simulator of 100,000 nodes it adds memory and time the runtime itself
// does not cost.
import { build } from 'esbuild';
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { execFileSync } from 'node:child_process';

const sources = execFileSync('git', ['ls-files', '*.ts'], { encoding: 'utf8' })
  .split('\n')
  .filter((f) => f && !f.endsWith('.test.ts'));
rmSync('.bench', { recursive: true, force: true });
await build({ entryPoints: sources, outdir: '.bench', format: 'cjs', platform: 'node', target: 'node20', logLevel: 'warning' });
// The wire schema is read at run time, next to the compiled wire/ folder's parent, as in the source tree.
mkdirSync('.bench', { recursive: true });
copyFileSync('messages.proto', '.bench/messages.proto');
