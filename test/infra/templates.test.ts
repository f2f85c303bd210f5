// The templates hang together without a Bicep compiler: no unused params, module calls that match
// the modules' params, a parameters file that matches main.bicep, UPPER_SNAKE outputs that the
// postdeploy hook can rely on, abbreviations that exist, and every resource type and API version
// listed (with the reference page it was checked against) in infra/README.md.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, it } from 'node:test';
import { type BicepFile, infraBicepFiles, infraDir, modules, outputs, params, readBicep, repoRoot, resources, squash, unusedParams } from './bicepText';

function unusedParamProblems(files: readonly BicepFile[]): string[] {
  return files.flatMap((f) => unusedParams(f.text).map((p) => `${f.path}: param ${p} is never used`));
}

function moduleProblems(file: BicepFile, read: (path: string) => string | undefined): string[] {
  return modules(file.text).flatMap((m) => {
    const target = join(dirname(file.path), m.path);
    const text = read(target);
    if (text === undefined) return [`${file.path}: module ${m.symbol} refers to ${target}, which does not exist`];
    const declared = params(text);
    return [
      ...m.params.filter((p) => !declared.some((d) => d.name === p)).map((p) => `${file.path}: module ${m.symbol} passes ${p}, which ${m.path} does not declare`),
      ...declared.filter((d) => !d.hasDefault && !m.params.includes(d.name)).map((d) => `${file.path}: module ${m.symbol} does not pass ${d.name}, which ${m.path} requires`),
    ];
  });
}

function parametersFileProblems(main: string, parametersJson: string): string[] {
  const given = Object.keys((JSON.parse(parametersJson) as { parameters: Record<string, unknown> }).parameters);
  const declared = params(main);
  return [
    ...given.filter((g) => !declared.some((d) => d.name === g)).map((g) => `main.parameters.json sets ${g}, which main.bicep does not declare`),
    ...declared.filter((d) => !d.hasDefault && !given.includes(d.name)).map((d) => `main.parameters.json does not set ${d.name}, which main.bicep requires`),
  ];
}

function outputProblems(main: string, hookScript: string): string[] {
  const names = outputs(main);
  const badNames = names.filter((n) => !/^[A-Z][A-Z0-9_]*$/.test(n)).map((n) => `output ${n} is not UPPER_SNAKE`);
  const hookVars = [...new Set([...hookScript.matchAll(/\$\{?([A-Z][A-Z0-9_]*)\}?/g)].map((m) => m[1] ?? ''))];
  const missing = hookVars.filter((v) => !names.includes(v)).map((v) => `the hook reads $${v}, which main.bicep does not output`);
  return [...badNames, ...missing];
}

function abbreviationProblems(files: readonly BicepFile[], abbreviations: Record<string, string>): string[] {
  const used = new Set(files.flatMap((f) => [...f.text.matchAll(/\babbrs\.(\w+)/g)].map((m) => m[1] ?? '')));
  return [
    ...[...used].filter((u) => !(u in abbreviations)).map((u) => `abbrs.${u} is not in abbreviations.json`),
    ...Object.keys(abbreviations).filter((k) => !used.has(k)).map((k) => `abbreviations.json has ${k}, which no template uses`),
  ];
}

/** Rows of the table in infra/README.md: | `Type` | apiVersion | [reference](url) | ... */
function documentedVersions(readme: string): { type: string; apiVersion: string; url: string }[] {
  return [...readme.matchAll(/^\|\s*`([A-Za-z.]+\/[A-Za-z/]+)`\s*\|\s*(\d{4}-\d{2}-\d{2}(?:-preview)?)\s*\|\s*\[[^\]]*\]\((https:\/\/learn\.microsoft\.com\/[^)]+)\)/gm)].map((m) => ({
    type: m[1] ?? '',
    apiVersion: m[2] ?? '',
    url: m[3] ?? '',
  }));
}

function apiVersionProblems(files: readonly BicepFile[], readme: string): string[] {
  const documented = documentedVersions(readme);
  const used = files.flatMap((f) => resources(f.text).map((r) => ({ ...r, path: f.path })));
  const undocumented = used
    .filter((u) => !documented.some((d) => d.type === u.type && d.apiVersion === u.apiVersion))
    .map((u) => `${u.path}: ${u.type}@${u.apiVersion} is not listed in infra/README.md`);
  const stale = documented.filter((d) => !used.some((u) => u.type === d.type && u.apiVersion === d.apiVersion)).map((d) => `infra/README.md lists ${d.type}@${d.apiVersion}, which no template uses`);
  const previews = used.filter((u) => u.apiVersion.endsWith('-preview')).map((u) => `${u.path}: ${u.type} uses a preview API version`);
  return [...new Set([...undocumented, ...stale, ...previews])];
}

const files = infraBicepFiles();
const read = (path: string): string | undefined => (existsSync(join(repoRoot, path)) ? readFileSync(join(repoRoot, path), 'utf8') : undefined);
const main = readBicep(join(infraDir, 'main.bicep'));
const hook = readFileSync(join(infraDir, 'hooks', 'postdeploy.sh'), 'utf8');

describe('infra: templates', () => {
  it('declares no param it does not use', () => {
    assert.ok(files.length >= 10, `found ${files.length} templates`);
    assert.deepEqual(unusedParamProblems(files), []);
  });

  it('calls every module with exactly the params it declares (all required ones passed)', () => {
    assert.deepEqual(files.flatMap((f) => moduleProblems(f, read)), []);
    assert.ok(modules(main.text).length >= 10);
  });

  it('has a parameters file that matches main.bicep', () => {
    assert.deepEqual(parametersFileProblems(main.text, readFileSync(join(infraDir, 'main.parameters.json'), 'utf8')), []);
  });

  it('outputs UPPER_SNAKE names, including every one the postdeploy hook reads', () => {
    assert.deepEqual(outputProblems(main.text, hook), []);
    const azureYaml = readFileSync(join(repoRoot, 'azure.yaml'), 'utf8');
    assert.match(azureYaml, /run: \.\/infra\/hooks\/postdeploy\.sh/);
  });

  it('follows the azd conventions: subscription scope, resource group, resourceToken, tags, abbreviations', () => {
    const text = squash(main.text);
    assert.match(text, /targetScope = 'subscription'/);
    assert.match(text, /resource rg 'Microsoft\.Resources\/resourceGroups@/);
    assert.match(text, /var resourceToken = toLower\(uniqueString\(subscription\(\)\.id, environmentName, location\)\)/);
    assert.match(text, /var tags = \{ 'azd-env-name': environmentName \}/);
    assert.match(squash(read('infra/modules/functionApp.bicep') ?? ''), /tags: union\(tags, \{ 'azd-service-name': 'api' \}\)/);
    assert.match(read('azure.yaml') ?? '', /^ {2}api:$/m, "azure.yaml's service is the one tagged azd-service-name");
    assert.deepEqual(abbreviationProblems(files, JSON.parse(read('infra/abbreviations.json') ?? '{}') as Record<string, string>), []);
  });

  it('lists every resource type and API version in infra/README.md with its reference page, and no preview versions', () => {
    assert.deepEqual(apiVersionProblems(files, read('infra/README.md') ?? ''), []);
  });

  it('catches an unused param, a param only used as an object key, and a used one in an interpolation', () => {
    const text = `param used string
param unused string
param keyOnly string
param inString string
var x = { keyOnly: 'a', b: used, c: 'prefix-\${inString}' }
// unused is mentioned in this comment only
var y = 'unused'`;
    assert.deepEqual(unusedParamProblems([{ path: 't.bicep', text }]), ['t.bicep: param unused is never used', 't.bicep: param keyOnly is never used']);
  });

  it('catches module calls that pass unknown params, miss required ones, or point nowhere', () => {
    const caller: BicepFile = {
      path: 'infra/main.bicep',
      text: `module a 'modules/a.bicep' = {
  name: 'a'
  params: {
    location: location
    typo: 1
  }
}
module b 'modules/missing.bicep' = {
  name: 'b'
}`,
    };
    const modulesByPath: Record<string, string> = { 'infra/modules/a.bicep': 'param location string\nparam name string\nparam tags object = {}' };
    assert.deepEqual(moduleProblems(caller, (p) => modulesByPath[p]), [
      'infra/main.bicep: module a passes typo, which modules/a.bicep does not declare',
      'infra/main.bicep: module a does not pass name, which modules/a.bicep requires',
      'infra/main.bicep: module b refers to infra/modules/missing.bicep, which does not exist',
    ]);
  });

  it('catches parameters-file drift, bad output names, hook variables without outputs, and abbreviation drift', () => {
    const mainText = 'param environmentName string\nparam location string\noutput AZURE_LOCATION string = location\noutput functionAppName string = x';
    assert.deepEqual(parametersFileProblems(mainText, '{"parameters":{"environmentName":{"value":"e"},"oldParam":{"value":1}}}'), [
      'main.parameters.json sets oldParam, which main.bicep does not declare',
      'main.parameters.json does not set location, which main.bicep requires',
    ]);
    assert.deepEqual(outputProblems(mainText, 'az x -g "$AZURE_RESOURCE_GROUP" -l ${AZURE_LOCATION}'), [
      'output functionAppName is not UPPER_SNAKE',
      'the hook reads $AZURE_RESOURCE_GROUP, which main.bicep does not output',
    ]);
    assert.deepEqual(abbreviationProblems([{ path: 'm.bicep', text: "var n = '${abbrs.keyVaultVaults}x'" }], { storageStorageAccounts: 'st' }), [
      'abbrs.keyVaultVaults is not in abbreviations.json',
      'abbreviations.json has storageStorageAccounts, which no template uses',
    ]);
  });

  it('catches a resource version missing from infra/README.md, a stale row and a preview version', () => {
    const template: BicepFile = { path: 'x.bicep', text: "resource a 'Microsoft.Foo/bars@2024-01-01' = {\n  name: 'a'\n}\nresource b 'Microsoft.Foo/bazs@2025-01-01-preview' = {\n  name: 'b'\n}" };
    const readme = '| `Microsoft.Foo/bars` | 2023-01-01 | [ref](https://learn.microsoft.com/azure/templates/microsoft.foo/2023-01-01/bars) |\n';
    assert.deepEqual(apiVersionProblems([template], readme), [
      'x.bicep: Microsoft.Foo/bars@2024-01-01 is not listed in infra/README.md',
      'x.bicep: Microsoft.Foo/bazs@2025-01-01-preview is not listed in infra/README.md',
      'infra/README.md lists Microsoft.Foo/bars@2023-01-01, which no template uses',
      'x.bicep: Microsoft.Foo/bazs uses a preview API version',
    ]);
  });
});
