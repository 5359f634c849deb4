#!/usr/bin/env node
/**
 * `npm run build`: compiles src/ into dist/ (ESM and .d.ts), copies the files the compiled code
 * reads beside itself, and stamps dist/ so that a later run, or the test suite's setup, can tell
 * whether src/ changed since. Plain JavaScript: it must run before anything is compiled.
 *
 *   node scripts/build.mjs           build when dist/ is older than src/ (prepare, the tests)
 *   node scripts/build.mjs --force   build whatever (npm run build, prepack)
 *   node scripts/build.mjs --check   exit 1, saying so, when dist/ is older than src/
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.built');
// Read at run time by the compiled code, next to it (new URL('./…', import.meta.url)).
const ASSETS = [
  'dashboard/page.html',
  'dashboard/page.js',
  'adapters/kafka/producerThread.worker.mjs',
  // plain JavaScript shared by the worker and producer.ts, which tsc neither compiles nor copies
  'adapters/kafka/pinnedPartitioner.mjs',
  'adapters/kafka/pinnedPartitioner.d.mts',
];

/** The newest modification time among what the build reads. */
function newestInput() {
  let newest = 0;
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const file = join(dir, entry.name);
      if (entry.isDirectory()) walk(file);
      else newest = Math.max(newest, statSync(file).mtimeMs);
    }
  };
  walk(join(root, 'src'));
  for (const file of ['tsconfig.json', 'tsconfig.build.json', 'scripts/build.mjs']) newest = Math.max(newest, statSync(join(root, file)).mtimeMs);
  return newest;
}

export function isStale() {
  return !existsSync(stamp) || statSync(stamp).mtimeMs < newestInput();
}

export function build() {
  const started = Date.now();
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  const tsc = join(root, 'node_modules', 'typescript', 'bin', 'tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  for (const asset of ASSETS) copyFileSync(join(root, 'src', asset), join(root, 'dist', asset));
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
  return Date.now() - started;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const mode = process.argv[2];
  if (mode === '--check') {
    if (isStale()) {
      console.error(`vigie: ${relative(process.cwd(), join(root, 'dist')) || 'dist'} is missing or older than src/: run \`npm run build\``);
      process.exit(1);
    }
  } else if (mode === '--force' || isStale()) {
    console.error(`vigie: built dist/ in ${build()} ms`);
  }
}
