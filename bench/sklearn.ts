/**
 * scikit-learn's side of `npm run bench -- detectors`, measured in the same run as vigie's: the
 * prototype refitted DBSCAN or IsolationForest on every window, and quoting its figures from
 * another day and another load of this machine would compare two different machines.
 *
 * scikit-learn lives in its own virtualenv, `.vigie/bench/venv`, created with `python3 -m venv`
 * and filled by pip from PyPI on first use (pip's lines shown as they come), reused afterwards:
 * the system Python is left alone. `bench/sklearn_baseline.py` then times the prototype's work
 * on the series it is given on stdin, the one vigie's figure is measured on.
 *
 * Anything missing (python3, venv, pip, the network) rejects with an Error saying which step
 * failed and its last lines of output, for the bench to report as a failure: never a silent
 * fall-back to quoted figures.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';
import { run } from './command.ts';

const projectRoot = path.resolve(path.dirname(new URL(import.meta.url).pathname), '..');
export const VENV = path.join(projectRoot, '.vigie', 'bench', 'venv');
const PYTHON = path.join(VENV, 'bin', 'python');
const SCRIPT = path.join(projectRoot, 'bench', 'sklearn_baseline.py');

export interface SklearnRate {
  readonly detector: 'dbscan' | 'isolation-forest';
  readonly events: number;
  readonly seconds: number;
  readonly events_per_second: number;
  readonly python: string;
  readonly sklearn: string;
  readonly numpy: string;
}

/**
 * The scikit-learn the prototype's figures in ../shared/golden/README.md came from (1.2.1), so the
 * comparison is like for like: later versions validate more per call and are slower per refit,
 * which would flatter vigie. numpy 2 postdates it.
 */
const REQUIREMENTS = ['scikit-learn==1.2.1', 'numpy<2'];

/** The virtualenv with scikit-learn and numpy: reused when they import at the pinned version, created or completed otherwise. */
export async function ensureScikitLearn(): Promise<void> {
  const check = "import sklearn, numpy; assert sklearn.__version__ == '1.2.1', sklearn.__version__";
  if (existsSync(PYTHON) && (await run(PYTHON, ['-c', check])).code === 0) return;
  if (!existsSync(PYTHON)) {
    console.error(`bench: creating a Python virtualenv in ${path.relative(projectRoot, VENV)}`);
    const venv = await run('python3', ['-m', 'venv', VENV]).catch((error: Error) => {
      throw new Error(`python3 is not available (${error.message})`);
    });
    if (venv.code !== 0) throw new Error(`python3 -m venv failed (exit ${venv.code}): ${venv.tail}`);
  }
  console.error(`bench: pip install ${REQUIREMENTS.join(' ')} (from PyPI, once)`);
  const pip = await run(PYTHON, ['-m', 'pip', 'install', '--progress-bar', 'on', ...REQUIREMENTS], { echo: true });
  if (pip.code !== 0) throw new Error(`pip install ${REQUIREMENTS.join(' ')} failed (exit ${pip.code}): ${pip.tail}`);
}

/**
 * Times the prototype's per-event refit with scikit-learn over `events` fitted windows of
 * `values` (which must hold `events + window - 1` of them).
 */
export async function scikitLearnRate(detector: SklearnRate['detector'], values: readonly number[], events: number): Promise<SklearnRate> {
  const ran = await run(PYTHON, [SCRIPT, '--detector', detector, '--events', String(events)], { input: `${values.join('\n')}\n` });
  if (ran.code !== 0) throw new Error(`bench/sklearn_baseline.py failed for ${detector} (exit ${ran.code}): ${ran.tail}`);
  return JSON.parse(ran.stdout.trim().split('\n').at(-1) ?? '') as SklearnRate;
}
