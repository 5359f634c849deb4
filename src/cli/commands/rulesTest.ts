/**
 * `vigie rules test DRAFT --on FILE`: `vigie evaluate fraud` of a draft (a rule set file in the
 * rule language, or one rule) beside the live set (`rules/default.json` with the rule flags, or
 * `--live FILE`), on a labelled CSV (the simulated bank's or PaySim's), in one replay: the
 * figures of the two sets and of each of their rules, what the draft catches and loses (frauds
 * and false alarms flagged by one set only), and a precision–recall picture.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { fromLabelledCsv, labelledFormat } from '../../adapters/labelledCsv.ts';
import { VigieError } from '../../errors.ts';
import { DRAFT, LIVE, draftMethods, parseDraft } from '../../evaluation/draftRules.ts';
import { type FraudEvaluation, evaluateFraud } from '../../evaluation/evaluateFraud.ts';
import { type RuleName } from '../../operators/rules/index.ts';
import { defaultRuleSet } from '../../rules/defaultRules.ts';
import type { Rule } from '../../rules/schema.ts';
import { addSettingOptions, resolveSettings } from '../config.ts';
import { fail } from '../fail.ts';
import { progress } from '../progress.ts';
import { transactionSettings } from './detect.ts';
import { fraudJson, fraudTables, writePicture } from './evaluateFraud.ts';

/** The live set's flags, as `detect transactions` reads them (ignored but for the lateness with --live). */
const settings = {
  rules: transactionSettings.rules,
  amountLimit: transactionSettings.amountLimit,
  allowedLateness: transactionSettings.allowedLateness,
};

interface RulesTestOptions {
  readonly on: string;
  readonly live?: string;
  readonly json?: boolean;
  readonly out: string;
}

export function registerRulesTest(rules: Command): void {
  const command = rules
    .command('test <draft>')
    .description(
      'try a draft (a rule set file or one rule) beside the live rules on a labelled CSV before it goes live: precision, recall, F1, average precision and card precision@100 of both sets and each of their rules, the frauds and false alarms only one of them flags, and a precision–recall picture',
    )
    .requiredOption('--on <file>', "the labelled CSV: the simulated bank's (vigie simulate bank) or PaySim's")
    .option('--live <file>', 'the live rule set file (default: rules/default.json with --rules, --amount-limit)')
    .option('--json', 'print the figures as one JSON object on stdout instead of the tables')
    .option('--out <dir>', 'where the precision–recall picture is written (pr.svg, pr.png)', '.vigie/rules-test');
  addSettingOptions(command, settings);
  command.action(async (draftFile: string, options: RulesTestOptions & Record<string, string | undefined>) => {
    try {
      const resolved = resolveSettings(settings, options, process.env) as { rules: RuleName[]; amountLimit: number; allowedLateness: number };
      const live = options.live === undefined ? defaultRuleSet({ amount: { limits: { XAF: resolved.amountLimit } } }, resolved.rules) : readRules(options.live);
      const draft = readRules(draftFile);
      const { methods } = draftMethods(live, draft, { allowedLatenessMs: resolved.allowedLateness });
      const format = labelledFormat(options.on);
      const bar = progress(`rules test: ${format} rows`);
      const result = await evaluateFraud(fromLabelledCsv(options.on), methods, {
        allowedLatenessMs: resolved.allowedLateness,
        compare: [LIVE, DRAFT],
        onProgress: (n) => bar.update(n),
      });
      bar.finish();
      const written = await writePicture(result, options.out, `precision–recall of the live and draft rules (${result.rows} transactions, ${result.frauds} frauds)`);
      console.error(`written: ${written.join(', ')}`);
      console.log(options.json ? JSON.stringify({ draft: draftFile, live: options.live ?? 'rules/default.json', ...fraudJson(options.on, result) }) : rulesTestTables(draftFile, options.on, result));
    } catch (error) {
      fail(error);
    }
  });
}

/** A rule set file or one rule, read and checked. */
function readRules(file: string): Rule[] {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new VigieError('FILE_INVALID', `${file}: cannot read it: ${(error as Error).message}`, { where: { file } });
  }
  return parseDraft(text, file);
}

/** evaluate fraud's tables, then what the draft adds and loses. */
export function rulesTestTables(draftFile: string, file: string, result: FraudEvaluation): string {
  const c = result.comparison!;
  const kinds = (byKind: Readonly<Record<string, number>>): string => Object.entries(byKind).map(([kind, n]) => `${n} ${kind || '(no kind)'}`).join(', ') || '-';
  return [
    fraudTables(file, result),
    '',
    `What the draft (${draftFile}) changes against the live set:`,
    '',
    '| | frauds | of which | false alarms |',
    '| --- | --- | --- | --- |',
    `| flagged by the draft only (added) | ${c.onlyB.frauds} | ${kinds(c.onlyB.fraudsByKind)} | ${c.onlyB.falseAlarms} |`,
    `| flagged by the live set only (lost) | ${c.onlyA.frauds} | ${kinds(c.onlyA.fraudsByKind)} | ${c.onlyA.falseAlarms} |`,
  ].join('\n');
}
