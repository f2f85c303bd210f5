// Writes infra/resources.json from the resource manifest (run by `npm run build`).
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { resourceManifest } from './resourceManifest';

export const resourcesJsonPath = join(__dirname, '..', '..', '..', 'infra', 'resources.json');

export function renderResourcesJson(): string {
  return `${JSON.stringify(resourceManifest, null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(resourcesJsonPath, renderResourcesJson());
}
