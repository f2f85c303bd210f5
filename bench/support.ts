// Shared helpers for benchmarks: child servers, percentiles, printing.
import { spawn, type ChildProcess } from 'node:child_process';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return Number.NaN;
  const index = Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1));
  return sorted[index] ?? Number.NaN;
}

export interface ChildServer {
  readonly child: ChildProcess;
  stop(): Promise<void>;
}

/** Spawns `node args...` and resolves once its output contains `readyText`. */
export function spawnUntil(args: string[], readyText: string, env: NodeJS.ProcessEnv = process.env): Promise<ChildServer> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let output = '';
    const onData = (data: Buffer): void => {
      output += data.toString('utf8');
      if (output.includes(readyText)) {
        child.stdout?.off('data', onData);
        resolve({
          child,
          stop: () =>
            new Promise<void>((done) => {
              if (child.exitCode !== null) return done();
              child.once('exit', () => done());
              child.kill('SIGINT');
            }),
        });
      }
    };
    child.stdout?.on('data', onData);
    child.stderr?.on('data', (d: Buffer) => (output += d.toString('utf8')));
    child.once('exit', (code) => reject(new Error(`exited with ${String(code)} before ready:\n${output}`)));
  });
}
