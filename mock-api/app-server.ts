import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { MockApi } from './app.ts';
import { createApiMiddleware } from './node-adapter.ts';
import { SECURITY_HEADERS } from './security-headers.ts';
import { createStaticFiles } from './static-files.ts';

/** The node:http listener for one origin: the API paths, else the built app from `dist`. */
export function createAppListener(api: MockApi, dist: string): RequestListener {
  const answerApi = createApiMiddleware(api);
  const serveStatic = createStaticFiles(dist);
  return (req: IncomingMessage, res: ServerResponse) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) res.setHeader(name, value);
    answerApi(req, res, () => {
      if (req.method !== 'GET' && req.method !== 'HEAD') {
        res.writeHead(405, { Allow: 'GET, HEAD', 'Content-Type': 'text/plain' }).end('Method not allowed');
        return;
      }
      serveStatic(new URL(req.url ?? '/', 'http://localhost').pathname).then(
        (file) => {
          if (!file) {
            res.writeHead(404, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Not found');
            return;
          }
          res.writeHead(file.status, file.headers).end(req.method === 'HEAD' ? undefined : file.body);
        },
        () => res.writeHead(500, { 'Content-Type': 'text/plain' }).end('Server error'),
      );
    });
  };
}

/** Listens on `host:port` (0: any free port) and resolves with the port. */
export function listen(server: Server, port: number, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : port);
    });
  });
}
