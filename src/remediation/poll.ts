// The one poll loop of the approval runtime: the wait for a fix's effect and the re-run of the
// checks both try, sleep and try again until done or out of time.
import { setTimeout as sleep } from 'node:timers/promises';

export interface PollOptions {
  timeoutMs: number;
  intervalMs: number;
}

/** One try: `done` ends the polling (success or a final failure); `value` is what was seen. */
export interface Attempt<T> {
  done: boolean;
  value: T;
}

/**
 * Tries at once, then every `intervalMs` while another try fits within `timeoutMs`; returns the
 * first done attempt, else the last one (so the caller can say what it saw last).
 */
export async function poll<T>(
  attempt: () => Promise<Attempt<T>>,
  opts: PollOptions,
): Promise<Attempt<T>> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    const last = await attempt();
    if (last.done || Date.now() + opts.intervalMs > deadline) return last;
    await sleep(opts.intervalMs);
  }
}
