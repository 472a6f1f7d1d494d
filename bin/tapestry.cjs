#!/usr/bin/env node
// The `tapestry` command: runs the compiled CLI (dist/cli.mjs, made by `npm run build`, shipped in
// the package). In a clone that was not built yet, it runs the TypeScript source through tsx (a dev
// dependency) so `npx tapestry` works there too.
const path = require('node:path');
const fs = require('node:fs');
const { pathToFileURL } = require('node:url');

const compiled = path.join(__dirname, '..', 'dist', 'cli.mjs');
if (fs.existsSync(compiled)) {
  import(pathToFileURL(compiled).href);
} else {
  try {
    require.resolve('tsx/cjs');
  } catch {
    console.error('tapestry: dist/cli.mjs is missing; run `npm run build` first');
    process.exit(2);
  }
  require('tsx/cjs');
  require('../cli/main.ts');
}
