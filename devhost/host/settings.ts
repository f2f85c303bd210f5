// Loads an app's host.json and local.settings.json the way `func start` does.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';

const localSettingsSchema = z.object({
  IsEncrypted: z.boolean().optional(),
  Values: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()]).transform(String)).default({}),
  Host: z
    .object({
      LocalHttpPort: z.coerce.number().int().min(0).max(65535).optional(),
      CORS: z.string().optional(),
      CORSCredentials: z.boolean().optional(),
    })
    .loose()
    .default({}),
  ConnectionStrings: z.record(z.string(), z.string()).default({}),
});

export type LocalSettings = z.infer<typeof localSettingsSchema>;

const hostJsonSchema = z
  .object({
    version: z.string().optional(),
    functionTimeout: z.string().optional(),
    logging: z
      .object({ logLevel: z.record(z.string(), z.string()).optional() })
      .loose()
      .optional(),
    extensions: z
      .object({
        http: z.object({ routePrefix: z.string().optional() }).loose().optional(),
        serviceBus: z.record(z.string(), z.unknown()).optional(),
        durableTask: z.record(z.string(), z.unknown()).optional(),
      })
      .loose()
      .optional(),
  })
  .loose();

export type HostJson = z.infer<typeof hostJsonSchema>;

export interface HostSettings {
  readonly appDir: string;
  readonly port: number;
  readonly routePrefix: string;
  /** host.json functionTimeout in milliseconds, undefined for unbounded. */
  readonly functionTimeoutMs: number | undefined;
  readonly hostJson: HostJson;
  readonly localSettings: LocalSettings;
  /** Allowed CORS origins (`*` allowed); empty when CORS is off. */
  readonly corsOrigins: readonly string[];
  readonly corsCredentials: boolean;
  /** Function and admin keys from local settings; requests with the master key pass every level. */
  readonly keys: { readonly master: string; readonly function: readonly string[] };
  /** Minimum log level for function logs ('Function' or 'default' category in host.json). */
  readonly logLevel: LogLevelName;
}

export type LogLevelName = 'Trace' | 'Debug' | 'Information' | 'Warning' | 'Error' | 'Critical' | 'None';

export class SettingsError extends Error {
  override name = 'SettingsError';
}

function readJson(path: string): unknown {
  try {
    return JSON.parse(readFileSync(path, 'utf8').replace(/^\uFEFF/, ''));
  } catch (err) {
    throw new SettingsError(`${path} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, file: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new SettingsError(`${file}: ${issue?.path.join('.') ?? ''} ${issue?.message ?? 'is invalid'}`);
  }
  return result.data;
}

/** Parses a TimeSpan such as `00:05:00`, `1.02:03:04` or `-1` (unbounded) into milliseconds. */
export function parseTimeSpan(value: string): number | undefined {
  if (value.trim() === '-1') return undefined;
  const match = /^(?:(\d+)\.)?(\d{1,2}):(\d{2}):(\d{2})(?:\.(\d{1,7}))?$/.exec(value.trim());
  if (!match) throw new SettingsError(`"${value}" is not a TimeSpan like 00:05:00`);
  const [, days, hours, minutes, seconds, fraction] = match;
  const ms =
    ((Number(days ?? 0) * 24 + Number(hours)) * 60 + Number(minutes)) * 60_000 +
    Number(seconds) * 1000 +
    Math.round(Number(`0.${fraction ?? '0'}`) * 1000);
  return ms;
}

export interface SettingsOverrides {
  port?: number;
  /** Settings file to use instead of local.settings.json (e.g. the sample). */
  settingsFile?: string;
}

export function loadHostSettings(appDir: string, overrides: SettingsOverrides = {}): HostSettings {
  const hostJsonPath = join(appDir, 'host.json');
  if (!existsSync(hostJsonPath)) throw new SettingsError(`${hostJsonPath} not found: is ${appDir} a Functions app?`);
  const hostJson = parseOrThrow(hostJsonSchema, readJson(hostJsonPath), 'host.json');

  const settingsPath = overrides.settingsFile ?? join(appDir, 'local.settings.json');
  const localSettings = existsSync(settingsPath)
    ? parseOrThrow(localSettingsSchema, readJson(settingsPath), settingsPath)
    : parseOrThrow(localSettingsSchema, {}, settingsPath);

  const routePrefix = (hostJson.extensions?.http?.routePrefix ?? 'api').replace(/^\/+|\/+$/g, '');
  const functionTimeoutMs = hostJson.functionTimeout === undefined ? 30 * 60_000 : parseTimeSpan(hostJson.functionTimeout);
  const corsOrigins = (localSettings.Host.CORS ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter((o) => o.length > 0);
  const values = localSettings.Values;
  const levels = hostJson.logging?.logLevel ?? {};
  const logLevel = (levels['Function'] ?? levels['default'] ?? 'Information') as LogLevelName;

  return {
    appDir,
    port: overrides.port ?? localSettings.Host.LocalHttpPort ?? 7071,
    routePrefix,
    functionTimeoutMs,
    hostJson,
    localSettings,
    corsOrigins,
    corsCredentials: localSettings.Host.CORSCredentials ?? false,
    keys: {
      master: values['DEVHOST_MASTER_KEY'] ?? 'devhost-master-key',
      function: (values['DEVHOST_FUNCTION_KEYS'] ?? 'devhost-function-key')
        .split(',')
        .map((k) => k.trim())
        .filter((k) => k.length > 0),
    },
    logLevel,
  };
}

/**
 * Puts `Values` and `ConnectionStrings` into the environment as `func start` does: a variable
 * already set in the environment wins, so tests and shells can override one setting.
 */
export function applyToEnvironment(settings: HostSettings, env: NodeJS.ProcessEnv = process.env): void {
  for (const [key, value] of Object.entries(settings.localSettings.Values)) {
    if (env[key] === undefined) env[key] = value;
  }
  for (const [key, value] of Object.entries(settings.localSettings.ConnectionStrings)) {
    const name = `ConnectionStrings:${key}`;
    if (env[name] === undefined) env[name] = value;
  }
}
