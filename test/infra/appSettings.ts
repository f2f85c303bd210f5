// Reads the app settings infra/modules/functionApp.bicep gives the Function App: the object the
// `Microsoft.Web/sites/config` 'appsettings' resource sets, following `union(...)` of variables
// that are object literals or `toObject(resources.keyVaultSecrets, ...)`.
import { objectEntries, resources, squash, variable } from './bicepText';

export interface KeyVaultSecretEntry {
  readonly setting: string;
  readonly secretName: string;
}

/** Setting name -> the Bicep expression that gives its value. */
export type AppSettings = ReadonlyMap<string, string>;

export function appSettings(text: string, keyVaultSecrets: readonly KeyVaultSecretEntry[]): AppSettings {
  const config = resources(text).find((r) => r.type === 'Microsoft.Web/sites/config' && objectEntries(text, r.body).some((e) => e.key === 'name' && e.value === "'appsettings'"));
  if (!config) throw new Error("no Microsoft.Web/sites/config resource named 'appsettings'");
  const properties = objectEntries(text, config.body).find((e) => e.key === 'properties');
  if (!properties) throw new Error('the appsettings resource has no properties');
  const union = /^union\(([\s\S]*)\)$/.exec(properties.value);
  const parts = union ? (union[1] ?? '').split(',').map((p) => p.trim()) : [properties.value];
  const settings = new Map<string, string>();
  for (const part of parts) {
    const definition = /^\w+$/.test(part) ? variable(text, part) : undefined;
    if (!definition) throw new Error(`cannot read app settings from "${part}": expected the name of a var`);
    if (definition.value.startsWith('{')) {
      for (const e of objectEntries(text, definition.start)) settings.set(e.key, e.value);
    } else if (/^toObject\(\s*resources\.keyVaultSecrets\s*,\s*(\w+)\s*=>\s*\1\.setting\s*,/.test(squash(definition.value))) {
      const value = /=>\s*('@Microsoft\.KeyVault\(SecretUri=[^']*')\s*\)$/.exec(squash(definition.value))?.[1];
      if (!value) throw new Error(`${part}: keyVaultSecrets values must be @Microsoft.KeyVault(SecretUri=...) references`);
      for (const secret of keyVaultSecrets) settings.set(secret.setting, value);
    } else {
      throw new Error(`cannot read app settings from var ${part} = ${definition.value.slice(0, 60)}`);
    }
  }
  return settings;
}

/** A literal string value (no interpolation), or undefined for an expression. */
export function literal(value: string): string | undefined {
  const m = /^'([^'$]*)'$/.exec(value);
  return m ? m[1] : undefined;
}
