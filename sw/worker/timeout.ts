import { BrokerError } from '../errors.ts';

/**
 * Runs `task` with an AbortSignal that fires after `ms`, and settles no later than that even
 * if the task ignores its signal: a hanging token endpoint must not hang the page's requests.
 */
export function withTimeout<T>(ms: number, task: (signal: AbortSignal) => Promise<T>): Promise<T> {
  const controller = new AbortController();
  let timer: ReturnType<typeof setTimeout> | undefined;
  const expired = new Promise<never>((_, reject) => {
    timer = setTimeout(() => {
      const error = new BrokerError('timeout', `The sign-in service did not answer within ${ms} ms.`);
      controller.abort(error);
      reject(error);
    }, ms);
  });
  return Promise.race([task(controller.signal), expired]).finally(() => clearTimeout(timer));
}
