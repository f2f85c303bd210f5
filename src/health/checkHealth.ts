// The health of each dependency, probed in parallel with a time limit, for GET /api/health.
export interface DependencyProbe {
  readonly name: string;
  /** Resolves when the dependency answers as Switchboard needs it; rejects with the reason otherwise. */
  check(signal: AbortSignal): Promise<void>;
}

export interface DependencyHealth {
  readonly status: 'up' | 'down';
  readonly latencyMs: number;
  readonly error?: string;
}

export interface HealthReport {
  readonly status: 'healthy' | 'unhealthy';
  readonly dependencies: Readonly<Record<string, DependencyHealth>>;
}

async function probe(dependency: DependencyProbe, timeoutMs: number): Promise<DependencyHealth> {
  const started = performance.now();
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      controller.abort();
      reject(new Error(`no answer within ${timeoutMs} ms`));
    }, timeoutMs);
  });
  try {
    await Promise.race([dependency.check(controller.signal), timeout]);
    return { status: 'up', latencyMs: Math.round(performance.now() - started) };
  } catch (err) {
    return { status: 'down', latencyMs: Math.round(performance.now() - started), error: err instanceof Error ? err.message : String(err) };
  } finally {
    clearTimeout(timer);
  }
}

export async function checkHealth(dependencies: readonly DependencyProbe[], timeoutMs = 3000): Promise<HealthReport> {
  const results = await Promise.all(dependencies.map(async (d) => [d.name, await probe(d, timeoutMs)] as const));
  return {
    status: results.every(([, r]) => r.status === 'up') ? 'healthy' : 'unhealthy',
    dependencies: Object.fromEntries(results),
  };
}
