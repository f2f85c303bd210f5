// Starts devhost as a child process on an app directory, with free ports, for end-to-end tests.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, freePortRange, retryOnPortClash } from './ports';

export const repoRoot = resolve(__dirname, '..', '..', '..');

export interface DevhostProcess {
  readonly baseUrl: string;
  readonly port: number;
  /** Ports of the emulators this devhost started (when asked for). */
  readonly ports: { cosmos: number; azurite: number; serviceBus: number; durable: number };
  stop(): Promise<void>;
  /** Everything devhost printed so far. */
  output(): string;
}

export interface StartOptions {
  appDir: string;
  env?: Record<string, string>;
  /** Extra CLI arguments, e.g. ['--emulators', 'cosmos']. Default: no emulators. */
  args?: string[];
  /** Milliseconds to wait for the ready line. */
  timeoutMs?: number;
  /** State directory (emulators, timers) to use instead of a fresh temporary one; left in place on stop. */
  dataDir?: string;
  /** Emulator ports to use instead of free ones picked here. */
  ports?: Partial<DevhostProcess['ports']>;
}

export function startDevhost(options: StartOptions): Promise<DevhostProcess> {
  return retryOnPortClash(() => startDevhostOnce(options));
}

/** One attempt, on the ports given and free ones for the rest (callers that pick ports retry themselves). */
export async function startDevhostOnce(options: StartOptions): Promise<DevhostProcess> {
  const port = await freePort();
  const ports = {
    cosmos: options.ports?.cosmos ?? (await freePort()),
    azurite: options.ports?.azurite ?? (await freePortRange(3)),
    serviceBus: options.ports?.serviceBus ?? (await freePort()),
    durable: options.ports?.durable ?? (await freePort()),
  };
  const dataDir = options.dataDir ?? mkdtempSync(join(tmpdir(), 'devhost-test-'));
  const args = options.args ?? ['--emulators', 'none'];
  const child = spawn(
    process.execPath,
    [
      join(repoRoot, 'devhost', 'bin', 'devhost.js'),
      'start',
      '--cwd',
      resolve(options.appDir),
      '--port',
      String(port),
      '--data-dir',
      dataDir,
      '--cosmos-port',
      String(ports.cosmos),
      '--azurite-port',
      String(ports.azurite),
      '--servicebus-port',
      String(ports.serviceBus),
      '--durable-port',
      String(ports.durable),
      ...args,
    ],
    { env: { ...process.env, ...options.env }, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout.on('data', (d: Buffer) => (output += d.toString('utf8')));
  child.stderr.on('data', (d: Buffer) => (output += d.toString('utf8')));

  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
  await new Promise<void>((resolveReady, reject) => {
    const timer = setTimeout(() => reject(new Error(`devhost did not get ready in time:\n${output}`)), options.timeoutMs ?? 60_000);
    const check = (): void => {
      if (output.includes('devhost ready on')) {
        clearTimeout(timer);
        resolveReady();
      }
    };
    child.stdout.on('data', check);
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`devhost exited with ${String(code)} before it was ready:\n${output}`));
    });
  });

  return {
    baseUrl: `http://localhost:${port}`,
    port,
    ports,
    output: () => output,
    stop: async () => {
      if (child.exitCode === null) {
        child.kill('SIGINT');
        const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
        await exited;
        clearTimeout(timer);
      }
      if (!options.dataDir) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
