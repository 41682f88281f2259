import { spawn } from 'node:child_process';

/** A mock API + app server started by a test itself, on a free port. */
export interface OwnServer {
  url: string;
  stop(): Promise<void>;
}

/** Starts `mock-api/server.ts` with extra environment (PORT=0) and waits for its URL. */
export function startServer(env: Record<string, string>): Promise<OwnServer> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'mock-api/server.ts'], {
    env: { ...process.env, PORT: '0', MOCK_CONTROLS: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const stop = (): Promise<void> =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', () => resolve());
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    let output = '';
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`server did not start:\n${output}`));
    }, 30_000);
    const onData = (chunk: Buffer): void => {
      output += chunk.toString();
      const port = /Serving on http:\/\/localhost:(\d+)/.exec(output)?.[1];
      if (port) {
        clearTimeout(timer);
        resolve({ url: `http://127.0.0.1:${port}`, stop });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited with ${code}:\n${output}`));
    });
  });
}
