/**
 * The `vigie` command's definition, apart from running it: main.ts parses the process's
 * arguments with it, and the docs are generated (docs/configuration.md) and checked (every
 * `vigie …` command they show) against the same options, so they cannot drift from `--help`.
 * Building it starts nothing.
 */
import { Command } from 'commander';
import { registerBridge } from './commands/bridge.ts';
import { registerDetect } from './commands/detect.ts';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerKafka } from './commands/kafka.ts';
import { registerPlot } from './commands/plot.ts';
import { registerProduce } from './commands/produce.ts';
import { registerReplay } from './commands/replay.ts';
import { registerRules } from './commands/rules.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerStart } from './commands/start.ts';
import { registerTrain } from './commands/train.ts';

export function vigieProgram(): Command {
  const program = new Command('vigie')
    .description('Real-time fraud and anomaly detection on streams, built on RxJS')
    .showHelpAfterError();
  for (const register of [registerStart, registerKafka, registerProduce, registerSimulate, registerBridge, registerDetect, registerReplay, registerEvaluate, registerTrain, registerRules, registerPlot]) register(program);
  return program;
}
