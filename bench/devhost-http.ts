// `npm run bench -- devhost-http [seconds]`: requests/s and p99 latency of a trivial HTTP function
// through devhost, beside a bare node:http server answering the same body, in the same run.
// Targets (issue 2): >= 2,000 req/s and >= 0.4 of the bare server on a 2-core machine.
import { join } from 'node:path';
import autocannon from 'autocannon';
import { freePort } from '../test/support/ports';
import { spawnUntil } from './support';

const repoRoot = join(__dirname, '..', '..');

interface Figures {
  requestsPerSecond: number;
  p50: number;
  p99: number;
  errors: number;
  non2xx: number;
}

async function load(url: string, seconds: number): Promise<Figures> {
  // Warm up (JIT, connection pools), then measure.
  await autocannon({ url, connections: 20, duration: 2 });
  const result = await autocannon({ url, connections: 50, pipelining: 1, duration: seconds });
  return { requestsPerSecond: result.requests.average, p50: result.latency.p50, p99: result.latency.p99, errors: result.errors, non2xx: result.non2xx };
}

export async function run(args: string[]): Promise<void> {
  const seconds = Number(args[0] ?? 10);
  const barePort = await freePort();
  const hostPort = await freePort();
  const floorPort = await freePort();
  const bare = await spawnUntil([join(repoRoot, 'bench', 'fixtures', 'bareServer.js'), String(barePort)], 'ready');
  const floor = await spawnUntil([join(repoRoot, 'bench', 'fixtures', 'libraryFloor.js'), String(floorPort)], 'ready');
  const devhost = await spawnUntil(
    [join(repoRoot, 'devhost', 'bin', 'devhost.js'), 'start', '--cwd', join(repoRoot, 'bench', 'fixtures', 'http-app'), '--port', String(hostPort), '--emulators', 'none'],
    'devhost ready on',
  );
  try {
    const direct = await load(`http://127.0.0.1:${barePort}/`, seconds);
    const library = await load(`http://127.0.0.1:${floorPort}/`, seconds);
    const through = await load(`http://127.0.0.1:${hostPort}/api/hello`, seconds);
    console.log(`devhost-http: ${seconds} s per server, 50 connections, autocannon in the bench process, each server in its own process`);
    console.table({
      'bare node:http': { 'req/s': Math.round(direct.requestsPerSecond), 'p50 ms': direct.p50, 'p99 ms': direct.p99, errors: direct.errors, non2xx: direct.non2xx },
      'node:http + library invoke only': { 'req/s': Math.round(library.requestsPerSecond), 'p50 ms': library.p50, 'p99 ms': library.p99, errors: library.errors, non2xx: library.non2xx },
      'devhost function': { 'req/s': Math.round(through.requestsPerSecond), 'p50 ms': through.p50, 'p99 ms': through.p99, errors: through.errors, non2xx: through.non2xx },
    });
    const ratio = through.requestsPerSecond / direct.requestsPerSecond;
    console.log(`ratio devhost/bare req/s: ${ratio.toFixed(2)} (target >= 0.40); devhost req/s ${Math.round(through.requestsPerSecond)} (target >= 2000)`);
    console.log(`ratio devhost/library-only floor: ${(through.requestsPerSecond / library.requestsPerSecond).toFixed(2)} (what devhost's routing, auth and CORS cost)`);
    console.log(`verdict: ${ratio >= 0.4 && through.requestsPerSecond >= 2000 && through.errors === 0 && through.non2xx === 0 ? 'targets met' : 'TARGETS MISSED'}`);
  } finally {
    await devhost.stop();
    await floor.stop();
    await bare.stop();
  }
}
