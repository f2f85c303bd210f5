// Shared helpers for benchmarks: child servers, percentiles, printing.
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';

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

/** The whole machine's CPU time so far (Linux /proc/stat), busy and total, in clock ticks; undefined elsewhere. */
export function machineCpu(): { busy: number; total: number } | undefined {
  try {
    const line = readFileSync('/proc/stat', 'utf8').split('\n')[0] ?? '';
    const ticks = line.trim().split(/\s+/).slice(1).map(Number);
    const total = ticks.reduce((sum, t) => sum + t, 0);
    const idle = (ticks[3] ?? 0) + (ticks[4] ?? 0);
    return { busy: total - idle, total };
  } catch {
    return undefined;
  }
}

/** A process's CPU time so far in ms (Linux /proc/<pid>/stat, user plus system, at USER_HZ = 100); undefined elsewhere. */
export function processCpuMs(pid: number | undefined): number | undefined {
  return pid === undefined ? undefined : statCpuMs(`/proc/${pid}/stat`);
}

/** One thread's CPU time so far in ms, as processCpuMs; a process's main thread has the process's id. */
export function threadCpuMs(pid: number, tid: number): number | undefined {
  return statCpuMs(`/proc/${pid}/task/${tid}/stat`);
}

function statCpuMs(path: string): number | undefined {
  try {
    // The fields after the command name, which is in parentheses and may hold spaces: utime and stime are the 12th and 13th.
    const stat = readFileSync(path, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
    const ticks = Number(fields[11]) + Number(fields[12]);
    return Number.isFinite(ticks) ? ticks * 10 : undefined;
  } catch {
    return undefined;
  }
}

/** How busy every CPU of the machine was between two readings, e.g. "97% of 2 vCPUs". */
export function machineBusy(from: ReturnType<typeof machineCpu>, to: ReturnType<typeof machineCpu>): string {
  if (!from || !to || to.total === from.total) return 'unknown';
  return `${Math.round(((to.busy - from.busy) / (to.total - from.total)) * 100)}% of ${availableParallelism()} vCPUs`;
}
