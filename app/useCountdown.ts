import { onScopeDispose, readonly, ref } from 'vue';
import { secondsLeft } from './countdown';

/** Seconds left until a deadline set with `start`, ticking down every second and stopping at 0. */
export function useCountdown(clock: () => number = Date.now) {
  const seconds = ref(0);
  let timer: ReturnType<typeof setInterval> | undefined;

  function stop(): void {
    clearInterval(timer);
    timer = undefined;
  }

  function start(duration: number): void {
    stop();
    const until = clock() + duration * 1000;
    const tick = (): void => {
      seconds.value = secondsLeft(until, clock());
      if (seconds.value === 0) stop();
    };
    tick();
    if (seconds.value > 0) timer = setInterval(tick, 1000);
  }

  onScopeDispose(stop);
  return { seconds: readonly(seconds), start };
}
