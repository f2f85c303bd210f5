// Health probe: the Switchboard database and its containers answer.
import type { Database } from '@azure/cosmos';
import type { DependencyProbe } from '../health/checkHealth';

export function cosmosProbe(database: Database): DependencyProbe {
  return {
    name: 'cosmos',
    async check(signal) {
      await database.read({ abortSignal: signal });
    },
  };
}
