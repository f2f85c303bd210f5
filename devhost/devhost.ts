// Starts everything a Functions app needs locally: emulators, the host with its extensions, and
// the HTTP front door; stops it all again.
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { startAzurite, defaultAzuritePorts, type AzuritePorts } from './emulators/azurite';
import type { RunningEmulator } from './emulators/childEmulator';
import { cosmosEmulatorKey, defaultCosmosPort, startCosmos } from './emulators/cosmos';
import { azuriteConnectionString, provisionBlobContainers, provisionCosmos, readResources, toEmulatorProperties, type DevhostResources } from './emulators/resources';
import { EventGridExtension } from './host/eventgrid/eventGridExtension';
import type { HostExtension } from './host/extension';
import { FunctionHost } from './host/functionHost';
import { HttpFrontDoor } from './host/http/httpServer';
import { ConsoleLogger } from './host/logger';
import { pointAtEmulators } from './host/emulatorSettings';
import { applyToEnvironment, loadHostSettings } from './host/settings';
import { TimerExtension } from './host/timer/timerExtension';
import { createDurableExtension } from './durable';
import { parseEmulatorConfig, ServiceBusTriggerExtension, startServiceBusEmulator, type EmulatorConfig, type ServiceBusEmulator } from './servicebus';

export type EmulatorName = 'azurite' | 'cosmos' | 'servicebus';
export const allEmulators: readonly EmulatorName[] = ['azurite', 'cosmos', 'servicebus'];
export const defaultServiceBusPort = 5672;
export const defaultDurablePort = 17071;

export interface DevhostOptions {
  appDir: string;
  port?: number;
  /** Settings file; default local.settings.json, else local.settings.sample.json. */
  settingsFile?: string;
  emulators?: readonly EmulatorName[];
  cosmosPort?: number;
  azuritePorts?: AzuritePorts;
  serviceBusPort?: number;
  durablePort?: number;
  dataDir?: string;
  /** Run devhost.json's `seed` module after start (default true; `--no-seed` turns it off). */
  seed?: boolean;
}

export interface RunningDevhost {
  readonly port: number;
  readonly host: FunctionHost;
  stop(): Promise<void>;
}

/** devhost-specific settings an app may keep in devhost.json beside host.json. */
interface DevhostJson {
  /** A resources file (see emulators/resources.ts) whose Cosmos containers, blob containers and Service Bus entities devhost creates. */
  resources?: string;
  /**
   * A module (path relative to the app) exporting `seed(baseUrl, functionKey): Promise<string[]>`,
   * run once the host is ready: demo data created through the app's own HTTP API, one line per step.
   */
  seed?: string;
}

/** The shape devhost expects of devhost.json's `seed` module. */
interface SeedModule {
  seed(baseUrl: string, functionKey: string): Promise<readonly string[]>;
}

function readDevhostJson(appDir: string): DevhostJson {
  const path = join(appDir, 'devhost.json');
  return existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')) as DevhostJson) : {};
}

function defaultSettingsFile(appDir: string): string | undefined {
  if (existsSync(join(appDir, 'local.settings.json'))) return undefined;
  const sample = join(appDir, 'local.settings.sample.json');
  return existsSync(sample) ? sample : undefined;
}

export async function startDevhost(options: DevhostOptions): Promise<RunningDevhost> {
  const appDir = resolve(options.appDir);
  const settingsFile = options.settingsFile ?? defaultSettingsFile(appDir);
  const settings = loadHostSettings(appDir, { ...(options.port !== undefined ? { port: options.port } : {}), ...(settingsFile ? { settingsFile } : {}) });
  const emulatorPorts = { cosmos: options.cosmosPort ?? defaultCosmosPort, serviceBus: options.serviceBusPort ?? defaultServiceBusPort, azurite: options.azuritePorts ?? defaultAzuritePorts };
  const values = pointAtEmulators(settings.localSettings.Values, emulatorPorts, { cosmos: defaultCosmosPort, serviceBus: defaultServiceBusPort, azurite: defaultAzuritePorts }, azuriteConnectionString(emulatorPorts.azurite));
  applyToEnvironment({ ...settings, localSettings: { ...settings.localSettings, Values: values } });
  const log = new ConsoleLogger(settings.logLevel);
  const dataDir = resolve(options.dataDir ?? join(appDir, '.data'));
  const devhostJson = readDevhostJson(appDir);
  const emulators = new Set(options.emulators ?? allEmulators);
  const running: RunningEmulator[] = [];
  const stopEmulators = async (): Promise<void> => {
    await Promise.all(running.map((e) => e.stop()));
  };

  const started: Promise<RunningEmulator>[] = [];
  if (emulators.has('azurite')) started.push(startAzurite({ ports: options.azuritePorts ?? defaultAzuritePorts, dataDir: join(dataDir, 'azurite'), onOutput: (l) => log.debug(l) }));
  if (emulators.has('cosmos')) started.push(startCosmos({ port: options.cosmosPort ?? defaultCosmosPort, cwd: dataDir, onOutput: (l) => log.debug(l) }));
  let serviceBus: ServiceBusEmulator | undefined;
  if (emulators.has('servicebus')) {
    started.push(
      startServiceBusEmulator({ port: options.serviceBusPort ?? defaultServiceBusPort, log: { info: (m) => log.debug(m), warn: (m) => log.warn(m), debug: (m) => log.debug(m) } }).then((emulator) => {
        serviceBus = emulator;
        return { name: 'servicebus', ports: [emulator.port], stop: () => emulator.close() };
      }),
    );
  }
  const results = await Promise.allSettled(started);
  for (const result of results) if (result.status === 'fulfilled') running.push(result.value);
  const failed = results.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    await stopEmulators();
    throw failed.reason;
  }
  try {
    await provision(devhostJson, appDir, options, emulators, serviceBus);
  } catch (err) {
    await stopEmulators();
    throw err;
  }

  const extensions: HostExtension[] = [
    new TimerExtension(join(dataDir, 'timers')),
    new EventGridExtension(),
    // Before Durable: its describe() answers for every function, so later extensions never get asked.
    new ServiceBusTriggerExtension(),
    createDurableExtension({ rpcPort: options.durablePort ?? defaultDurablePort, dataDir: join(dataDir, 'durable') }),
  ];
  const host = new FunctionHost(settings, extensions, log);
  let frontDoor: HttpFrontDoor | undefined;
  try {
    await host.load();
    frontDoor = new HttpFrontDoor(host);
    await frontDoor.listen(settings.port);
    await host.startExtensions();
    printListing(host, frontDoor, settings.port, running, log);
    // Not awaited: Ctrl-C must reach the stop handler even while seeding (runSeed never throws).
    if (devhostJson.seed && options.seed !== false) void runSeed(appDir, devhostJson.seed, settings.port, settings.keys.function[0], log);
  } catch (err) {
    await frontDoor?.close().catch(() => undefined);
    await host.stop().catch(() => undefined);
    await stopEmulators();
    throw err;
  }

  let stopping: Promise<void> | undefined;
  return {
    port: settings.port,
    host,
    stop: () => {
      stopping ??= (async () => {
        await frontDoor?.close();
        await host.stop();
        await stopEmulators();
      })();
      return stopping;
    },
  };
}

/** Creates the app's declared resources in the emulators devhost started. */
async function provision(devhostJson: DevhostJson, appDir: string, options: DevhostOptions, emulators: ReadonlySet<EmulatorName>, serviceBus: ServiceBusEmulator | undefined): Promise<void> {
  if (!devhostJson.resources) return;
  const resources = readResources(appDir, devhostJson.resources);
  if (resources.serviceBus && serviceBus) serviceBus.declare(parseEmulatorConfig(toServiceBusEmulatorConfig(resources.serviceBus)));
  if (resources.cosmos && emulators.has('cosmos')) {
    await provisionCosmos(resources.cosmos, `http://127.0.0.1:${options.cosmosPort ?? defaultCosmosPort}`, cosmosEmulatorKey);
  }
  if (resources.storage && emulators.has('azurite')) {
    await provisionBlobContainers(resources.storage.blobContainers, azuriteConnectionString(options.azuritePorts ?? defaultAzuritePorts));
  }
}

/** The resources file's Service Bus entities (ARM names) as the emulator's Config.json. */
function toServiceBusEmulatorConfig(entities: NonNullable<DevhostResources['serviceBus']>): EmulatorConfig {
  return {
    UserConfig: {
      Namespaces: [
        {
          Name: 'sbemulatorns',
          Queues: entities.queues.map((q) => ({ Name: q.name, Properties: toEmulatorProperties(q.properties) })),
          Topics: entities.topics.map((t) => ({
            Name: t.name,
            Properties: toEmulatorProperties(t.properties),
            Subscriptions: t.subscriptions.map((s) => ({ Name: s.name, Properties: toEmulatorProperties(s.properties), Rules: s.rules.map((r) => toEmulatorProperties(r)) })),
          })),
        },
      ],
    },
  } as EmulatorConfig;
}

/**
 * Runs the app's seed module against the running host. A failing seed is reported, not fatal: the
 * host is up and the app's own API says what went wrong.
 */
async function runSeed(appDir: string, modulePath: string, port: number, functionKey: string | undefined, log: ConsoleLogger): Promise<void> {
  if (!functionKey) {
    log.warn(`seed ${modulePath} skipped: no function key (DEVHOST_FUNCTION_KEYS) to call the app with`);
    return;
  }
  try {
    // require, not import(): the module is named at run time by devhost.json and compiled to CommonJS.
    const seedModule = require(resolve(appDir, modulePath)) as Partial<SeedModule>;
    if (typeof seedModule.seed !== 'function') throw new Error(`${modulePath} exports no seed(baseUrl, functionKey) function`);
    const done = await seedModule.seed(`http://localhost:${port}`, functionKey);
    process.stdout.write(`Seeded (${modulePath}):\n\n${done.map((line) => `        ${line}`).join('\n')}\n\n`);
  } catch (err) {
    log.warn(`seed ${modulePath} failed: ${err instanceof Error ? err.message : String(err)}`);
  }
}

function printListing(host: FunctionHost, frontDoor: HttpFrontDoor, port: number, emulators: readonly RunningEmulator[], log: ConsoleLogger): void {
  const lines = ['', 'Functions:', ''];
  for (const fn of host.functions) {
    const route = frontDoor.routes.find((r) => r.fn === fn);
    if (route) {
      const methods = route.methods.length > 0 ? route.methods.join(',') : 'ANY';
      lines.push(`        ${fn.name}: [${methods}] ${frontDoor.urlOf(route, port)}${route.authLevel === 'anonymous' ? '' : ` (${route.authLevel} key)`}`);
      continue;
    }
    const description = host.extensions.map((e) => e.describe?.(fn)).find((d) => d !== undefined);
    lines.push(`        ${fn.name}: ${description ?? fn.trigger.type}`);
  }
  if (emulators.length > 0) {
    lines.push('', 'Emulators:', '');
    for (const emulator of emulators) lines.push(`        ${emulator.name}: ${emulator.ports.map((p) => `localhost:${p}`).join(', ')}`);
  }
  lines.push('', `devhost ready on http://localhost:${port}`, '');
  // The listing is the host's answer to "what is running where": print it whatever the log level.
  process.stdout.write(`${lines.join('\n')}\n`);
  log.debug(`${host.functions.length} functions loaded`);
}
