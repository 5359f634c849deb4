#!/usr/bin/env node
// Runs the compiled CLI (dist/, from `npm run build`; `npm install` in a clone builds it).
// Compiling TypeScript at every start cost a second of CPU before `--help` could answer.
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error(`vigie: ${main.pathname} is missing: run \`npm run build\` in ${new URL('..', import.meta.url).pathname}`);
  process.exit(1);
}
await import(main.href);
