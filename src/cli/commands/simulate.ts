/**
 * `vigie simulate bank` (./simulateBank.ts), and `vigie simulate arduino`: a virtual Arduino on a virtual serial cable (socat), so `vigie bridge`
 * can be tried and tested end to end without a board. It writes exactly what the board's sketch
 * prints, `topic!value\r\n`, to the device end of the cable.
 *
 * Writes are non-blocking: with no reader on the other end the pty fills up, and, like a real
 * serial line nobody listens to, the extra lines are dropped (and counted) instead of blocking.
 */
import { closeSync, constants, openSync, writeSync } from 'node:fs';
import path from 'node:path';
import type { Command } from 'commander';
import { createVirtualSerialPair } from '../../adapters/serial/virtualSerial.ts';
import { simulatedArduino, toSerialBytes } from '../../adapters/simulatedArduino.ts';
import { VigieError } from '../../errors.ts';
import { fail } from '../fail.ts';
import { registerSimulateBank } from './simulateBank.ts';

interface SimulateFlags {
  readonly link: string;
  readonly rate: string;
  readonly seed: string;
  readonly anomalyRate: string;
}

export function registerSimulate(program: Command): void {
  const simulate = program.command('simulate').description('simulated devices and banks');
  registerSimulateBank(simulate);
  simulate
    .command('arduino')
    .description('write simulated Arduino lines (topic!value) to a virtual serial port, until Ctrl-C or SIGTERM')
    .option('--link <dir>', 'directory for the serial links `arduino` (device end) and `vigie` (read end)', path.join('.vigie', 'serial'))
    .option('--rate <n>', 'lines per second', '10')
    .option('--seed <n>', 'seed of the simulated values', '1')
    .option('--anomaly-rate <p>', 'probability that a line is a spike', '0.05')
    .action(async (flags: SimulateFlags) => {
      try {
        await run(flags);
      } catch (error) {
        fail(error);
      }
    });
}

async function run(flags: SimulateFlags): Promise<void> {
  const rate = Number(flags.rate);
  const seed = Number(flags.seed);
  const anomalyRate = Number(flags.anomalyRate);
  const bad: string[] = [];
  if (!(rate > 0 && rate <= 100_000)) bad.push(`--rate: expected a number in (0, 100000], got ${JSON.stringify(flags.rate)}`);
  if (!Number.isInteger(seed)) bad.push(`--seed: expected an integer, got ${JSON.stringify(flags.seed)}`);
  if (!(anomalyRate >= 0 && anomalyRate <= 1)) bad.push(`--anomaly-rate: expected a number in [0, 1], got ${JSON.stringify(flags.anomalyRate)}`);
  if (bad.length > 0) throw new VigieError('CONFIG_INVALID', `invalid options:\n  ${bad.join('\n  ')}`);

  const pair = await createVirtualSerialPair(flags.link);
  const device = openSync(pair.devicePath, constants.O_WRONLY | constants.O_NONBLOCK | constants.O_NOCTTY);
  console.log(`serial device: ${pair.hostPath} — run: vigie bridge --serial ${pair.hostPath}`);
  let written = 0;
  let dropped = 0;
  const lines = simulatedArduino({ rate, seed, anomalyRate, source: `simulator:serial:${pair.devicePath}` }).subscribe(({ line }) => {
    try {
      writeSync(device, toSerialBytes(line));
      written += 1;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EAGAIN') throw error;
      dropped += 1; // nobody reads the other end and the pty is full
    }
  });
  const report = setInterval(() => console.log(`simulate: ${written} lines written, ${dropped} dropped (no reader)`), 10_000);

  let stopping = false;
  const stop = async (signal: string): Promise<void> => {
    if (stopping) process.exit(130);
    stopping = true;
    console.log(`simulate: ${signal}, ${written} lines written, ${dropped} dropped; removing ${pair.hostPath}`);
    clearInterval(report);
    lines.unsubscribe();
    closeSync(device);
    await pair.stop();
    process.exit(0);
  };
  process.on('SIGINT', (s) => void stop(s));
  process.on('SIGTERM', (s) => void stop(s));
}
