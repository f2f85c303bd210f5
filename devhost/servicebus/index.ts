// devhost's Service Bus emulator: an AMQP broker the real @azure/service-bus SDK talks to with
// `Endpoint=sb://localhost[:port];SharedAccessKeyName=...;SharedAccessKey=...;UseDevelopmentEmulator=true`.
import { ServiceBusBroker, type BrokerLog } from './broker';
import { loadEmulatorConfig, parseEmulatorConfig, type EmulatorConfig, type EntityDeclarations } from './config';
import { ServiceBusNamespace } from './namespace';

export { EmulatorConfigError, loadEmulatorConfig, parseEmulatorConfig, parseIsoDuration } from './config';
export { ServiceBusTriggerExtension, readServiceBusHostSettings, resolveConnection, type ServiceBusHostSettings, type ServiceBusTriggerExtensionOptions } from './trigger';
export type { BrokerLog } from './broker';
export type { EmulatorConfig, EntityDeclarations, EntityOptions, QueueDeclaration, RuleDeclaration, SubscriptionDeclaration, TopicDeclaration } from './config';

export interface ServiceBusEmulatorOptions {
  /** 5672 is what the SDK uses when the endpoint names no port; 0 picks a free one. */
  port: number;
  host?: string;
  /** A Config.json document (UserConfig.Namespaces[]...) to declare at start. */
  config?: EmulatorConfig;
  /** A Config.json file to read and declare at start (refused with EmulatorConfigError when invalid). */
  configPath?: string;
  /** Entities to declare at start, e.g. from Switchboard's resource manifest. */
  entities?: EntityDeclarations;
  log?: BrokerLog;
}

export interface ServiceBusEmulator {
  /** The port it listens on. */
  readonly port: number;
  /** A connection string the SDK accepts for this emulator. */
  readonly connectionString: string;
  /** Declares queues, topics and subscriptions; existing ones keep their messages. */
  declare(entities: EntityDeclarations): void;
  /** Queue and topic names, for /api/health and start-up listings. */
  describe(): { queues: string[]; topics: Array<{ name: string; subscriptions: string[] }> };
  close(): Promise<void>;
}

const quietLog: BrokerLog = { info: () => undefined, warn: () => undefined, debug: () => undefined };

export function emulatorConnectionString(port: number): string {
  const endpoint = port === 5672 ? 'sb://localhost' : `sb://localhost:${port}`;
  return `Endpoint=${endpoint};SharedAccessKeyName=RootManageSharedAccessKey;SharedAccessKey=SAS_KEY_VALUE;UseDevelopmentEmulator=true`;
}

export async function startServiceBusEmulator(options: ServiceBusEmulatorOptions): Promise<ServiceBusEmulator> {
  const log = options.log ?? quietLog;
  const namespace = new ServiceBusNamespace('sb://localhost', log);
  if (options.configPath !== undefined) namespace.declare(loadEmulatorConfig(options.configPath));
  if (options.config !== undefined) namespace.declare(parseEmulatorConfig(options.config));
  if (options.entities !== undefined) namespace.declare(options.entities);
  const broker = new ServiceBusBroker({ port: options.port, host: options.host, namespace, log });
  const port = await broker.start();
  log.info(`Service Bus emulator listening on amqp://localhost:${port}`);
  return {
    port,
    connectionString: emulatorConnectionString(port),
    declare: (entities) => namespace.declare(entities),
    describe: () => namespace.describe(),
    close: () => broker.close(),
  };
}
