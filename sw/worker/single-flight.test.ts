import { describe, expect, it } from 'vitest';
import { SingleFlight } from './single-flight';

function deferred<T>(): { promise: Promise<T>; resolve: (value: T) => void; reject: (error: unknown) => void } {
  let resolve!: (value: T) => void;
  let reject!: (error: unknown) => void;
  const promise = new Promise<T>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  return { promise, resolve, reject };
}

describe('SingleFlight', () => {
  it('shares one pending task among concurrent callers', async () => {
    const flight = new SingleFlight<number>();
    const gate = deferred<number>();
    let calls = 0;
    const task = (): Promise<number> => {
      calls += 1;
      return gate.promise;
    };
    const results = Promise.all(Array.from({ length: 50 }, () => flight.run(task)));
    gate.resolve(7);
    expect(await results).toEqual(Array(50).fill(7));
    expect(calls).toBe(1);
  });

  it('starts a new task once the previous one settled', async () => {
    const flight = new SingleFlight<number>();
    let calls = 0;
    await flight.run(async () => ++calls);
    await flight.run(async () => ++calls);
    expect(calls).toBe(2);
    expect(flight.pending).toBeUndefined();
  });

  it('shares a failure and then allows a retry', async () => {
    const flight = new SingleFlight<number>();
    const gate = deferred<number>();
    const first = flight.run(() => gate.promise);
    const second = flight.run(() => Promise.resolve(1));
    gate.reject(new Error('down'));
    await expect(first).rejects.toThrow('down');
    await expect(second).rejects.toThrow('down');
    await expect(flight.run(() => Promise.resolve(2))).resolves.toBe(2);
  });

  it('turns a task that throws synchronously into a rejection', async () => {
    const flight = new SingleFlight<number>();
    await expect(
      flight.run(() => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(flight.pending).toBeUndefined();
  });
});
