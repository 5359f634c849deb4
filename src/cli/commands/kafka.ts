/**
 * `vigie kafka` (also `npm run kafka`): a real broker in the foreground for development, so
 * `vigie produce` and a Kafka-fed flow have somewhere to meet without Docker or a Kafka install.
 * It keeps its data between runs (`--data-dir`) and stops on Ctrl-C or SIGTERM.
 */
import { connect } from 'node:net';
import path from 'node:path';
import type { Command } from 'commander';
import { startKafkaBroker } from '../../adapters/kafka/broker.ts';
import { VigieError } from '../../errors.ts';
import { fail } from '../fail.ts';

export function registerKafka(program: Command): void {
  program
    .command('kafka')
    .description('run a single-node Kafka broker on 127.0.0.1 in the foreground, until Ctrl-C or SIGTERM')
    .option('--data-dir <dir>', 'where the broker keeps its topics', '.vigie/kafka')
    .option('--port <port>', 'the client port', '9092')
    .action(async (flags: { dataDir: string; port: string }) => {
      const port = Number(flags.port);
      if (!(Number.isInteger(port) && port >= 1 && port <= 65_535)) {
        fail(new VigieError('CONFIG_INVALID', `--port: expected an integer in 1-65535, got ${JSON.stringify(flags.port)}`));
      }
      const dataDir = path.resolve(flags.dataDir);
      const broker = await startKafkaBroker({ dataDir, port, log: (line) => console.error(`kafka: ${line}`) }).catch(fail);
      console.log(`Kafka broker on ${broker.brokers[0]} (data in ${dataDir}); Ctrl-C to stop`);

      let stopping = false;
      // The broker is a child process: if it dies, say so rather than pretend to run.
      const watch = setInterval(() => {
        const socket = connect({ host: '127.0.0.1', port });
        socket.once('connect', () => socket.destroy());
        socket.once('error', () => {
          if (stopping) return;
          fail(new VigieError('SERVICE_START_FAILED', 'the Kafka broker stopped by itself', { where: { port, dataDir } }));
        });
      }, 2_000);
      const onSignal = (signal: string): void => {
        if (stopping) process.exit(130); // a second Ctrl-C: the user is not waiting
        stopping = true;
        clearInterval(watch);
        console.log(`Kafka broker: ${signal}, stopping`);
        broker.stop().then(() => process.exit(0), fail);
      };
      process.on('SIGINT', onSignal);
      process.on('SIGTERM', onSignal);
    });
}
