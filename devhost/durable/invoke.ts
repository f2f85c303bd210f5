// How the engine calls functions: only through the host, so the programming model and SDK run as in Azure.
import type { Host, InvocationOutcome } from '../host/extension';

export type EngineHost = Pick<Host, 'functions' | 'log' | 'invoke'>;

/** host.invoke reports function errors in the outcome; anything it throws (a host fault) is reported the same way, so no instance waits forever. */
export async function invokeSafely(host: EngineHost, functionName: string, triggerString: string | undefined): Promise<InvocationOutcome> {
  try {
    return await host.invoke(functionName, { trigger: triggerString === undefined ? {} : { string: triggerString } });
  } catch (err) {
    return { invocationId: '', outputs: {}, error: err instanceof Error ? err : new Error(String(err)) };
  }
}
