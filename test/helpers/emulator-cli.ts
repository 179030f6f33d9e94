import { type ChildProcess, spawn } from 'node:child_process';
import { join } from 'node:path';
import { after } from 'node:test';

/** The emulator's command line, started and waited for until it says how to stop it. */
export interface RunningCLI {
  /** Everything it printed so far. */
  output: string;
  /** Sends SIGTERM and resolves with the exit code. */
  stop(): Promise<number | null>;
}

/**
 * Starts `lib/testing/cli.ts` with `args` as `npx passport-dingtalk-oauth2-emulator` would, and
 * resolves once it is listening. The process is killed after the test if it still runs.
 */
export async function startEmulatorCLI(args: string[]): Promise<RunningCLI> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'lib/testing/cli.ts', ...args], {
    cwd: join(__dirname, '..', '..'),
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  after(() => {
    if (child.exitCode === null) child.kill('SIGKILL');
  });
  let output = '';
  child.stdout?.setEncoding('utf8');
  await new Promise<void>((resolve, reject) => {
    child.stdout?.on('data', (chunk: string) => {
      output += chunk;
      if (output.includes('Press Ctrl+C')) resolve();
    });
    child.once('exit', (code) => reject(new Error(`exited early with ${code}: ${output}`)));
  });
  return {
    output,
    stop() {
      const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      return exited;
    },
  };
}
