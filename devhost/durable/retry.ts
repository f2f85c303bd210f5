// Retry delays for callActivityWithRetry / callSubOrchestratorWithRetry, computed the way DTFx's
// RetryInterceptor does it (the real extension runs that interceptor for out-of-process SDKs).
import type { RetryOptions } from './actions';

/**
 * The delay before the next attempt after `failedAttempts` failures (1-based), or undefined when
 * the retry timeout has passed and no further attempt is made. DTFx creates a timer even after
 * the last allowed attempt, and the SDK's RetryableTask waits for it before failing, so this
 * also returns a delay when no attempts remain.
 */
export function nextRetryDelayMs(options: RetryOptions, failedAttempts: number, firstAttemptAt: Date, now: Date): number | undefined {
  const timeout = positiveOrUndefined(options.retryTimeoutInMilliseconds);
  if (timeout !== undefined && now.getTime() >= firstAttemptAt.getTime() + timeout) return undefined;
  const coefficient = positiveOrUndefined(options.backoffCoefficient) ?? 1;
  const delay = options.firstRetryIntervalInMilliseconds * Math.pow(coefficient, failedAttempts - 1);
  const cap = positiveOrUndefined(options.maxRetryIntervalInMilliseconds);
  return cap !== undefined && delay >= cap ? cap : delay;
}

function positiveOrUndefined(value: number | undefined): number | undefined {
  return typeof value === 'number' && Number.isFinite(value) && value > 0 ? value : undefined;
}
