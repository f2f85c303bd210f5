// Time as the engine sees it: the wall clock in devhost, a clock the test advances in replay tests.

export interface Clock {
  now(): Date;
  /** Calls `fire` at `at` (or soon after); returns a function that cancels it. */
  schedule(at: Date, fire: () => void): () => void;
}

/** setTimeout cannot wait longer than 2^31-1 ms, so long waits re-arm in steps. */
const maxTimeoutMs = 2_147_483_647;

export const systemClock: Clock = {
  now: () => new Date(),
  schedule(at, fire) {
    let handle: NodeJS.Timeout | undefined;
    const arm = (): void => {
      const wait = at.getTime() - Date.now();
      if (wait <= 0) {
        handle = undefined;
        fire();
        return;
      }
      handle = setTimeout(arm, Math.min(wait, maxTimeoutMs));
      // Timers must not keep a stopping host alive.
      handle.unref();
    };
    handle = setTimeout(arm, 0);
    handle.unref();
    return () => {
      if (handle !== undefined) clearTimeout(handle);
    };
  },
};
