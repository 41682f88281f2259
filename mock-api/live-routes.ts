import type { Context } from 'hono';
import type { MockApi, MockApiEnv, Services } from './app.ts';
import { authenticateCaller } from './authenticate.ts';
import { eventStream } from './event-stream.ts';

/** What the runtime adds to the live endpoints. */
export interface LiveRuntime {
  /** Cuts a request's connection at once (Node: destroys its socket), for a stream whose client stopped reading. */
  dropConnection?: ((c: Context<MockApiEnv>) => void) | undefined;
}

/** The live-data endpoints: the event stream. */
export function routeLive(app: MockApi, services: Services, runtime: LiveRuntime): void {
  app.get('/api/events', async (c) => eventStream(c, services, await authenticateCaller(c, services), () => runtime.dropConnection?.(c)));
}
