#!/usr/bin/env node
// The launcher as it was before the CLI was compiled (bin/vigie.js until issue 13): the
// TypeScript sources run through tsx's loader, compiled at every start. Kept for `npm run bench
// -- startup`, which times it beside the compiled CLI; and a way to run the CLI without a build.
import { register } from 'tsx/esm/api';

register();
await import('../../src/cli/main.ts');
