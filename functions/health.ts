// GET /api/health: the state of every dependency; 503 when one is down.
import { app } from '@azure/functions';
import { switchboard } from '../src/app/switchboard';
import { checkHealth } from '../src/health/checkHealth';

const { healthProbes } = switchboard();

app.http('health', {
  methods: ['GET'],
  route: 'health',
  authLevel: 'anonymous',
  handler: async () => {
    const report = await checkHealth(healthProbes);
    return { status: report.status === 'healthy' ? 200 : 503, jsonBody: report, headers: { 'cache-control': 'no-store' } };
  },
});
