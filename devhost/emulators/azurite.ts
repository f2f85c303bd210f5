// Azurite (blob, queue, table) for the Functions host storage, the Durable task hub and attachments.
import { mkdirSync } from 'node:fs';
import { startChildEmulator, type RunningEmulator } from './childEmulator';

export interface AzuritePorts {
  blob: number;
  queue: number;
  table: number;
}

export const defaultAzuritePorts: AzuritePorts = { blob: 10000, queue: 10001, table: 10002 };

export async function startAzurite(options: { ports: AzuritePorts; dataDir: string; onOutput?: (line: string) => void }): Promise<RunningEmulator> {
  mkdirSync(options.dataDir, { recursive: true });
  const { ports } = options;
  return startChildEmulator({
    name: 'azurite',
    script: require.resolve('azurite/dist/src/azurite.js'),
    args: ['--silent', '--disableTelemetry', '--skipApiVersionCheck', '--location', options.dataDir, '--blobPort', String(ports.blob), '--queuePort', String(ports.queue), '--tablePort', String(ports.table)],
    ports: [ports.blob, ports.queue, ports.table],
    cwd: options.dataDir,
    ...(options.onOutput ? { onOutput: options.onOutput } : {}),
  });
}
