// Switchboard's typed settings, read once from the environment at cold start. Every connection
// takes either a connection string (local: emulators) or the identity-based `__` settings Azure
// uses; anything missing or malformed stops the app with an error naming the setting.
import { z } from 'zod';

export class ConfigError extends Error {
  override name = 'ConfigError';
}

export type Credential = { readonly kind: 'managedIdentity'; readonly clientId: string | undefined } | { readonly kind: 'default' };

export type CosmosConnection =
  | { readonly kind: 'key'; readonly endpoint: string; readonly key: string }
  | { readonly kind: 'identity'; readonly endpoint: string; readonly credential: Credential };

export type ServiceBusConnection =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | { readonly kind: 'identity'; readonly fullyQualifiedNamespace: string; readonly credential: Credential };

export type StorageConnection =
  | { readonly kind: 'connectionString'; readonly connectionString: string }
  | { readonly kind: 'identity'; readonly blobServiceUri: string; readonly credential: Credential };

export interface Settings {
  readonly cosmos: CosmosConnection;
  readonly serviceBus: ServiceBusConnection;
  readonly storage: StorageConnection;
}

/** The app settings Switchboard reads, for documentation and the infra drift test. */
export const settingNames = {
  cosmos: 'CosmosDb',
  serviceBus: 'ServiceBusConnection',
  storage: 'AzureWebJobsStorage',
} as const;

type Env = Readonly<Record<string, string | undefined>>;

const url = z.url({ protocol: /^https?$/ });

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function parseWith<T>(schema: z.ZodType<T>, value: string, name: string): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new ConfigError(`setting ${name} is malformed: ${result.error.issues[0]?.message ?? 'invalid'}`);
  return result.data;
}

function credentialOf(env: Env, prefix: string): Credential {
  const credential = read(env, `${prefix}__credential`);
  if (credential === undefined) return { kind: 'default' };
  if (credential.toLowerCase() !== 'managedidentity') throw new ConfigError(`setting ${prefix}__credential must be "managedidentity", got "${credential}"`);
  return { kind: 'managedIdentity', clientId: read(env, `${prefix}__clientId`) };
}

/** `Key=Value;Key2=Value2` connection strings, keys case-insensitive. */
export function parseConnectionString(value: string, name: string): Map<string, string> {
  const parts = new Map<string, string>();
  for (const part of value.split(';')) {
    if (part.trim() === '') continue;
    const eq = part.indexOf('=');
    if (eq <= 0) throw new ConfigError(`setting ${name} is malformed: "${part}" is not Key=Value`);
    parts.set(part.slice(0, eq).trim().toLowerCase(), part.slice(eq + 1).trim());
  }
  return parts;
}

function cosmosConnection(env: Env): CosmosConnection {
  const name = settingNames.cosmos;
  const connectionString = read(env, name);
  if (connectionString !== undefined) {
    const parts = parseConnectionString(connectionString, name);
    const endpoint = parts.get('accountendpoint');
    const key = parts.get('accountkey');
    if (!endpoint || !key) throw new ConfigError(`setting ${name} must hold AccountEndpoint=...;AccountKey=...`);
    return { kind: 'key', endpoint: parseWith(url, endpoint, `${name} (AccountEndpoint)`), key };
  }
  const endpoint = read(env, `${name}__accountEndpoint`);
  if (endpoint === undefined) throw new ConfigError(`setting ${name}__accountEndpoint (or ${name} with a connection string) is required`);
  return { kind: 'identity', endpoint: parseWith(url, endpoint, `${name}__accountEndpoint`), credential: credentialOf(env, name) };
}

function serviceBusConnection(env: Env): ServiceBusConnection {
  const name = settingNames.serviceBus;
  const connectionString = read(env, name);
  if (connectionString !== undefined) {
    const parts = parseConnectionString(connectionString, name);
    if (!parts.get('endpoint')?.startsWith('sb://')) throw new ConfigError(`setting ${name} must hold Endpoint=sb://...;SharedAccessKeyName=...;SharedAccessKey=...`);
    return { kind: 'connectionString', connectionString };
  }
  const namespace = read(env, `${name}__fullyQualifiedNamespace`);
  if (namespace === undefined) throw new ConfigError(`setting ${name}__fullyQualifiedNamespace (or ${name} with a connection string) is required`);
  if (!/^[a-z0-9][a-z0-9.-]+$/i.test(namespace)) throw new ConfigError(`setting ${name}__fullyQualifiedNamespace is malformed: expected a host name like sb-x.servicebus.windows.net`);
  return { kind: 'identity', fullyQualifiedNamespace: namespace, credential: credentialOf(env, name) };
}

function storageConnection(env: Env): StorageConnection {
  const name = settingNames.storage;
  const connectionString = read(env, name);
  if (connectionString !== undefined) {
    const parts = parseConnectionString(connectionString, name);
    if (!parts.has('blobendpoint') && !parts.has('accountname') && connectionString !== 'UseDevelopmentStorage=true') {
      throw new ConfigError(`setting ${name} must be a storage connection string (AccountName=... or BlobEndpoint=...)`);
    }
    return { kind: 'connectionString', connectionString };
  }
  const blobServiceUri = read(env, `${name}__blobServiceUri`);
  const accountName = read(env, `${name}__accountName`);
  if (blobServiceUri === undefined && accountName === undefined) {
    throw new ConfigError(`setting ${name}__accountName (or ${name}__blobServiceUri, or ${name} with a connection string) is required`);
  }
  const uri = blobServiceUri ?? `https://${accountName ?? ''}.blob.core.windows.net`;
  return { kind: 'identity', blobServiceUri: parseWith(url, uri, blobServiceUri ? `${name}__blobServiceUri` : `${name}__accountName`), credential: credentialOf(env, name) };
}

export function loadSettings(env: Env = process.env): Settings {
  return { cosmos: cosmosConnection(env), serviceBus: serviceBusConnection(env), storage: storageConnection(env) };
}
