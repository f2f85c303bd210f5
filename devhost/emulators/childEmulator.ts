// Starts an emulator as a child process and waits until its ports accept connections.
import { spawn, type ChildProcess } from 'node:child_process';
import { connect } from 'node:net';

export interface RunningEmulator {
  readonly name: string;
  readonly ports: readonly number[];
  /** The child process's id, for an emulator in its own process (a benchmark reads its CPU time). */
  readonly pid?: number | undefined;
  stop(): Promise<void>;
}

export function portAnswers(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect({ port, host });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

/** `lastOutput`: what the child wrote last, quoted when it exits before answering (say, EADDRINUSE). */
export async function waitForPorts(name: string, ports: readonly number[], timeoutMs: number, child?: ChildProcess, lastOutput: () => string = () => ''): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (const port of ports) {
    for (;;) {
      if (child && child.exitCode !== null) {
        await new Promise((r) => setTimeout(r, 100)); // its last output may still be on the way
        const said = lastOutput().trim();
        throw new Error(`${name} exited with code ${child.exitCode} before port ${port} answered${said ? `: ${said}` : ''}`);
      }
      if (await portAnswers(port)) break;
      if (Date.now() > deadline) throw new Error(`${name} did not answer on port ${port} within ${timeoutMs} ms`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}

export async function startChildEmulator(options: { name: string; script: string; args: string[]; ports: number[]; cwd: string; onOutput?: (line: string) => void }): Promise<RunningEmulator> {
  for (const port of options.ports) {
    if (await portAnswers(port)) throw new Error(`${options.name}: port ${port} is already in use (is another devhost running?)`);
  }
  const child = spawn(process.execPath, [options.script, ...options.args], { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const recent: string[] = [];
  const forward = (data: Buffer): void => {
    for (const line of data.toString('utf8').split('\n')) {
      if (!line.trim()) continue;
      options.onOutput?.(`${options.name}: ${line}`);
      recent.push(line);
      if (recent.length > 5) recent.shift();
    }
  };
  child.stdout?.on('data', forward);
  child.stderr?.on('data', forward);
  try {
    await waitForPorts(options.name, options.ports, 30_000, child, () => recent.join(' | '));
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  return {
    name: options.name,
    ports: options.ports,
    pid: child.pid,
    stop: () =>
      new Promise<void>((resolve) => {
        if (child.exitCode !== null) return resolve();
        const force = setTimeout(() => child.kill('SIGKILL'), 5000);
        child.once('exit', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      }),
  };
}
