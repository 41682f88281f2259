import { BrokerError } from '../errors.ts';

/**
 * Runs `task` with an AbortSignal that fires after `ms`, and settles no later than that even
 * if the task ignores its signal: a hanging token endpoint must not hang the page's requests.
 * `disarm` stops the clock, for a task whose bounded part is over (a wait that ended).
 */
export function withTimeout<T>(
  ms: number,
  task: (signal: AbortSignal, disarm: () => void) => Promise<T>,
  message = `The sign-in service did not answer within ${ms} ms.`,
): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const disarm = (): void => clearTimeout(timer);
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new BrokerError('timeout', message);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  return Promise.race([task(controller.signal, disarm), expired]).finally(disarm);
}
