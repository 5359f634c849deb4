/**
 * A set-up command (python3 -m venv, pip, mvn) or a helper program (a learner), run to its end with its output
 * kept for error messages: a step that fails must say which and show its last lines.
 */
import { spawn } from 'node:child_process';

export interface Ran {
  readonly code: number | null;
  readonly stdout: string;
  /** The last lines of stderr (and of stdout when it was echoed), for error messages. */
  readonly tail: string;
}

export interface RunOptions {
  readonly input?: string;
  /** Copy the output to our stderr as it comes (pip's own progress). */
  readonly echo?: boolean;
  /** Called with each line of output (stdout and stderr), e.g. to count downloads for a progress line. */
  readonly onLine?: (line: string) => void;
  readonly env?: NodeJS.ProcessEnv;
  readonly cwd?: string;
}

/** Resolves with the exit code and output; rejects only when the command cannot start. */
export function run(command: string, args: readonly string[], { input, echo = false, onLine, env, cwd }: RunOptions = {}): Promise<Ran> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['pipe', 'pipe', 'pipe'], env: { ...process.env, PIP_DISABLE_PIP_VERSION_CHECK: '1', ...env } });
    let stdout = '';
    const tail: string[] = [];
    const hear = (data: Buffer, keep: boolean): void => {
      const text = data.toString();
      if (keep) stdout += text;
      if (echo) process.stderr.write(text);
      const lines = text.split('\n').filter((l) => l.trim());
      if (onLine) for (const line of lines) onLine(line);
      if (!keep || echo || onLine) tail.push(...lines);
      tail.splice(0, Math.max(0, tail.length - 5));
    };
    child.stdout.on('data', (d: Buffer) => hear(d, !echo));
    child.stderr.on('data', (d: Buffer) => hear(d, false));
    child.once('error', (error) => reject(new Error(`cannot run ${command}: ${error.message}`)));
    child.once('close', (code) => resolve({ code, stdout, tail: tail.join(' | ') }));
    child.stdin.on('error', () => {}); // a child that exits early closes its stdin: its exit code tells why
    child.stdin.end(input ?? '');
  });
}
