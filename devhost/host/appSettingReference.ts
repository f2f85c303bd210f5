// Binding properties may name app settings as `%NAME%` (e.g. `queueName: '%ORDERS_QUEUE%'`); the host
// resolves them from the environment when it indexes functions, and refuses unknown names.
import type { RpcBindingInfo } from './coreTypes';

const reference = /%([^%\s]+)%/g;
/** Properties that are names, not values: the host never resolves these. */
const untouched = new Set(['name', 'type', 'direction', 'connection']);

export class AppSettingReferenceError extends Error {
  override name = 'AppSettingReferenceError';
}

export function resolveAppSettingReferences(value: string, env: NodeJS.ProcessEnv = process.env): string {
  return value.replace(reference, (_, name: string) => {
    const setting = env[name];
    if (setting === undefined) throw new AppSettingReferenceError(`app setting "${name}" (referenced as %${name}%) is not set`);
    return setting;
  });
}

export function resolveAppSettings(
  bindings: Readonly<Record<string, RpcBindingInfo>>,
  env: NodeJS.ProcessEnv = process.env,
): Record<string, RpcBindingInfo> {
  const resolved: Record<string, RpcBindingInfo> = {};
  for (const [bindingName, binding] of Object.entries(bindings)) {
    const copy: RpcBindingInfo = { ...binding };
    for (const [key, value] of Object.entries(binding)) {
      if (typeof value === 'string' && !untouched.has(key)) copy[key] = resolveAppSettingReferences(value, env);
    }
    resolved[bindingName] = copy;
  }
  return resolved;
}
