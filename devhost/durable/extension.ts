// Durable Functions for devhost: drives orchestrationTrigger / activityTrigger functions through the
// engine, supplies the durableClient input binding and serves the Durable HTTP APIs.
import { join } from 'node:path';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Host, HostExtension, RegisteredFunction } from '../host/extension';
import { ClientApiServer } from './clientApi';
import { DurableEngine } from './engine';
import type { ManagementLinks } from './managementApi';
import { managementPayload } from './managementApi';
import { InstanceStore } from './store';
import { handleWebhookRequest, webhookBasePath, type WebhookKeys } from './webhooks';

export interface DurableExtensionOptions {
  /** Port of the local RPC endpoint the SDK's client calls (the real extension uses 17071); 0 for any free port. */
  rpcPort: number;
  /** Where the instance log goes; defaults to <appDir>/.data/durable. */
  dataDir?: string;
  /** Keep instances in memory only. */
  inMemory?: boolean;
}

/** host.json `extensions.durableTask` settings devhost honours. */
export interface DurableTaskSettings {
  hubName: string;
  maxConcurrentActivityFunctions?: number;
  maxConcurrentOrchestratorFunctions?: number;
}

export function readDurableTaskSettings(config: Readonly<Record<string, unknown>> | undefined, env: NodeJS.ProcessEnv = process.env): DurableTaskSettings {
  const positiveInt = (value: unknown, name: string): number | undefined => {
    if (value === undefined) return undefined;
    const n = typeof value === 'string' ? Number(value) : value;
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) throw new Error(`host.json extensions.durableTask.${name} must be a positive integer`);
    return n;
  };
  let hubName = typeof config?.['hubName'] === 'string' ? config['hubName'] : 'TestHubName';
  // host.json may name the hub through an app setting: "%MyTaskHub%".
  hubName = hubName.replace(/%([^%]+)%/g, (_m, name: string) => env[name] ?? '');
  if (!/^[A-Za-z][A-Za-z0-9]{2,44}$/.test(hubName)) {
    throw new Error(`host.json extensions.durableTask.hubName "${hubName}" is invalid: task hub names start with a letter and have 3-45 letters and digits`);
  }
  const activities = positiveInt(config?.['maxConcurrentActivityFunctions'], 'maxConcurrentActivityFunctions');
  const orchestrators = positiveInt(config?.['maxConcurrentOrchestratorFunctions'], 'maxConcurrentOrchestratorFunctions');
  return {
    hubName,
    ...(activities === undefined ? {} : { maxConcurrentActivityFunctions: activities }),
    ...(orchestrators === undefined ? {} : { maxConcurrentOrchestratorFunctions: orchestrators }),
  };
}

const systemKeySetting = 'DEVHOST_DURABLETASK_EXTENSION_KEY';

export class DurableExtension implements HostExtension {
  readonly name = 'durable';
  readonly triggerTypes = ['orchestrationTrigger', 'activityTrigger', 'entityTrigger'] as const;
  readonly inputBindings = {
    durableClient: (): { string: string } => ({ string: JSON.stringify(this.clientBindingData()) }),
  };
  readonly #options: DurableExtensionOptions;
  #engine: DurableEngine | undefined;
  #rpc: ClientApiServer | undefined;
  #links: ManagementLinks | undefined;
  #keys: WebhookKeys | undefined;
  #hubName = 'TestHubName';

  constructor(options: DurableExtensionOptions) {
    this.#options = options;
  }

  get engine(): DurableEngine {
    if (this.#engine === undefined) throw new Error('the Durable extension has not started');
    return this.#engine;
  }

  async start(host: Host): Promise<void> {
    const settings = readDurableTaskSettings(host.settings.hostJson.extensions?.durableTask);
    this.#hubName = settings.hubName;
    const dataDir = this.#options.inMemory === true ? undefined : (this.#options.dataDir ?? join(host.settings.appDir, '.data', 'durable'));
    const store = new InstanceStore(dataDir, settings.hubName);
    await store.load();
    const engine = new DurableEngine({
      hubName: settings.hubName,
      store,
      ...(settings.maxConcurrentActivityFunctions === undefined ? {} : { maxConcurrentActivityFunctions: settings.maxConcurrentActivityFunctions }),
      ...(settings.maxConcurrentOrchestratorFunctions === undefined ? {} : { maxConcurrentOrchestratorFunctions: settings.maxConcurrentOrchestratorFunctions }),
    });
    this.#engine = engine;
    const values = host.settings.localSettings.Values;
    this.#keys = { system: process.env[systemKeySetting] ?? values[systemKeySetting] ?? 'devhost-durabletask-extension-key', master: host.settings.keys.master };
    const origin = `http://localhost:${host.settings.port}`;
    this.#links = {
      webhookBaseUrl: `${origin}${webhookBasePath}`,
      querySuffix: `taskHub=${encodeURIComponent(settings.hubName)}&connection=Storage&code=${encodeURIComponent(this.#keys.system)}`,
    };
    // Without WEBSITE_HOSTNAME the SDK's getClient rewrites every management URL to localhost:7071.
    process.env['WEBSITE_HOSTNAME'] ??= `localhost:${host.settings.port}`;
    const links = this.#links;
    const rpc = new ClientApiServer(engine, () => links, host.log);
    await rpc.listen(this.#options.rpcPort);
    this.#rpc = rpc;
    engine.start(host);
    host.log.info(`Durable: task hub ${settings.hubName}, RPC endpoint ${rpc.baseUrl}, ${dataDir === undefined ? 'in memory' : `instances in ${store.file ?? dataDir}`}`);
  }

  async stop(): Promise<void> {
    await this.#rpc?.close();
    await this.#engine?.stop();
  }

  async handleHttp(req: IncomingMessage, res: ServerResponse, url: URL): Promise<boolean> {
    if (this.#engine === undefined || this.#links === undefined || this.#keys === undefined) return false;
    return handleWebhookRequest(this.#engine, this.#links, this.#keys, req, res, url);
  }

  /** `chain: orchestrationTrigger`, as func prints Durable functions; other functions belong to other extensions. */
  describe(fn: RegisteredFunction): string | undefined {
    return this.triggerTypes.some((t) => t === fn.trigger.type) ? fn.trigger.type : undefined;
  }

  /** The durableClient binding's data, as the extension hands it to out-of-process workers. */
  clientBindingData(): Record<string, unknown> {
    const links = this.#links;
    const rpc = this.#rpc;
    if (links === undefined || rpc === undefined) throw new Error('the Durable extension has not started');
    const templates = managementPayload(links, 'INSTANCEID');
    const creationPrefix = `${links.webhookBaseUrl}/orchestrators/{functionName}[/{instanceId}]`;
    return {
      taskHubName: this.#hubName,
      creationUrls: {
        createNewInstancePostUri: `${creationPrefix}?code=${encodeURIComponent(this.#keys?.system ?? '')}`,
        createAndWaitOnNewInstancePostUri: `${creationPrefix}?timeout={timeoutInSeconds}&pollingInterval={intervalInSeconds}&code=${encodeURIComponent(this.#keys?.system ?? '')}`,
      },
      managementUrls: { ...templates, id: 'INSTANCEID' },
      baseUrl: links.webhookBaseUrl,
      requiredQueryStringParameters: `code=${encodeURIComponent(this.#keys?.system ?? '')}`,
      rpcBaseUrl: rpc.baseUrl,
      httpBaseUrl: links.webhookBaseUrl,
    };
  }
}
