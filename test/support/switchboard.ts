// Starts Switchboard itself on devhost with its emulators on free ports, for end-to-end tests.
import { azuriteConnectionString } from '../../devhost/emulators/resources';
import { cosmosEmulatorKey } from '../../devhost/emulators/cosmos';
import { repoRoot, startDevhostOnce, type DevhostProcess } from './devhost';
import { freePort, freePortRange, retryOnPortClash } from './ports';

export interface SwitchboardOptions {
  /** Emulators to start (default all three). */
  emulators?: ('azurite' | 'cosmos' | 'servicebus')[];
  /** Extra or overriding app settings. */
  env?: Record<string, string>;
  /** Run devhost.json's demo seed after start (default false). */
  seed?: boolean;
  /** Keep devhost's state (emulators, Durable instances) here instead of a temporary directory. */
  dataDir?: string;
  /**
   * Start as `npm start` does, with the app's settings from local.settings.sample.json (which name
   * the emulators' default ports) and no connection settings given: devhost itself points them at
   * the free ports it started the emulators on.
   */
  sampleSettings?: boolean;
}

export function startSwitchboard(options: SwitchboardOptions = {}): Promise<DevhostProcess> {
  return retryOnPortClash(() => startOnFreePorts(options));
}

async function startOnFreePorts(options: SwitchboardOptions): Promise<DevhostProcess> {
  const cosmos = await freePort();
  const azurite = await freePortRange(3);
  const serviceBus = await freePort();
  const durable = await freePort();
  const emulators = options.emulators ?? ['azurite', 'cosmos', 'servicebus'];
  return startDevhostOnce({
    appDir: repoRoot,
    // No demo data: tests start from empty stores (test/scripts/seedDemo covers the seed itself).
    args: ['--emulators', emulators.length > 0 ? emulators.join(',') : 'none', ...(options.seed ? [] : ['--no-seed']), ...(options.sampleSettings ? ['--settings', 'local.settings.sample.json'] : [])],
    ports: { cosmos, azurite, serviceBus, durable },
    ...(options.dataDir ? { dataDir: options.dataDir } : {}),
    env: {
      ...(options.sampleSettings
        ? {}
        : {
            CosmosDb: `AccountEndpoint=http://127.0.0.1:${cosmos}/;AccountKey=${cosmosEmulatorKey}`,
            AzureWebJobsStorage: azuriteConnectionString({ blob: azurite, queue: azurite + 1, table: azurite + 2 }),
            ServiceBusConnection: `Endpoint=sb://localhost:${serviceBus};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`,
          }),
      ...options.env,
    },
  });
}
