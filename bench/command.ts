// The benchmarks' set-up commands run through the CLI's own runner (src/cli/command.ts).
export { type Ran, type RunOptions, run } from '../src/cli/command.ts';
