/**
 * The `vigie` command. `vigie start` (also `npm start`) runs both flows on simulated sources.
 */
import { Command } from 'commander';
import { fail } from './fail.ts';
import { registerBridge } from './commands/bridge.ts';
import { registerDetect } from './commands/detect.ts';
import { registerEvaluate } from './commands/evaluate.ts';
import { registerKafka } from './commands/kafka.ts';
import { registerPlot } from './commands/plot.ts';
import { registerProduce } from './commands/produce.ts';
import { registerReplay } from './commands/replay.ts';
import { registerSimulate } from './commands/simulate.ts';
import { registerStart } from './commands/start.ts';

const program = new Command('vigie')
  .description('Real-time fraud and anomaly detection on streams, built on RxJS')
  .showHelpAfterError();

for (const register of [registerStart, registerKafka, registerProduce, registerSimulate, registerBridge, registerDetect, registerReplay, registerEvaluate, registerPlot]) register(program);

await program.parseAsync(process.argv);
