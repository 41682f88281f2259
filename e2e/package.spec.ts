import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { expect, test } from '@playwright/test';

// The library as npm ships it: packed, installed into a fresh project outside this repository,
// type-checked against its declarations (strict, NodeNext, lib checks on) and imported by Node.
const REPO = resolve(import.meta.dirname, '..');
const TSC = join(REPO, 'node_modules', 'typescript', 'bin', 'tsc');

const run = (command: string, args: string[], cwd: string): string =>
  execFileSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, npm_config_audit: 'false', npm_config_fund: 'false' },
  });

const WORKER = `/// <reference lib="webworker" />
import { BrokerError, cookieSession, createTokenBroker, jsonApi, oidc, type IdTokenClaims, type Session } from 'sw-token-broker/worker';
declare const self: ServiceWorkerGlobalScope;
interface User { id: string; name: string }
const parseUser = (value: unknown): User | undefined => (typeof value === 'object' && value !== null && 'id' in value ? { id: String(value.id), name: 'x' } : undefined);
const broker = createTokenBroker<User>({
  adapter: jsonApi({ endpoints: { login: 'https://api.example.com/login', refresh: 'https://api.example.com/refresh' }, tokenField: 'jwtToken' }),
  allowlist: ['https://api.example.com/v1/'],
  parseUser,
}).install(self);
const session: Promise<Session<User>> = broker.session();
const other = createTokenBroker({ adapter: cookieSession() });
// The README's OpenID Connect worker, with a second API that gets a token of its own.
const withProvider = createTokenBroker({
  adapter: oidc({
    issuer: 'https://id.example.com',
    clientId: 'my-spa',
    resource: 'https://app.example.com/api/',
    postLogoutRedirectUri: '/',
    user: (claims: IdTokenClaims) => ({ id: claims.sub, name: claims.name }),
  }),
  allowlist: ['/api/', { url: 'https://reports.example.com/', resource: 'https://reports.example.com/' }],
  brokerOnly: ['/auth/'],
});
const authorizationUrl: Promise<string> = withProvider.authorize('/todos');
export { session, other, authorizationUrl, BrokerError };
`;

const PAGE = `import { BrokerError, createBrokerClient, SIGN_IN_ERROR_CODES, type Protection, type Session } from 'sw-token-broker/client';
import type { BrokerRequest } from 'sw-token-broker/protocol';
const client = createBrokerClient<{ id: string }>();
const protection: Promise<Protection> = client.ready(navigator.serviceWorker.register('/sw.js'));
const login: Promise<Session<{ id: string }>> = client.login({ username: 'a', password: 'b' });
const request: BrokerRequest = { type: 'session' };
const authorize: BrokerRequest = { type: 'authorize', returnUrl: '/todos' };
const redirected: Promise<void> = client.loginWithRedirect({ returnUrl: '/todos' });
const failed = (code: string): boolean => (SIGN_IN_ERROR_CODES as readonly string[]).includes(code);
export { protection, login, request, authorize, redirected, failed, BrokerError };
`;

const tsconfig = (lib: string[], file: string): string =>
  JSON.stringify({
    compilerOptions: {
      strict: true,
      noEmit: true,
      module: 'nodenext',
      moduleResolution: 'nodenext',
      target: 'es2022',
      lib,
      types: [],
      skipLibCheck: false,
    },
    files: [file],
  });

test.describe('the npm package', () => {
  let workspace: string;
  test.beforeAll(() => {
    workspace = mkdtempSync(join(tmpdir(), 'broker-package-'));
  });
  test.afterAll(() => rmSync(workspace, { recursive: true, force: true }));

  test('packs only the library, installs in a fresh project, type-checks and imports', async () => {
    test.slow(); // npm pack builds the library; npm install works from the local cache where it can
    const [packed] = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', workspace], REPO)) as {
      filename: string;
      files: { path: string }[];
    }[];
    const files = packed?.files.map((file) => file.path) ?? [];
    expect(files).toEqual(
      expect.arrayContaining([
        'package.json',
        'lib/worker/index.js',
        'lib/worker/index.d.ts',
        'lib/client/index.js',
        'lib/client/index.d.ts',
        'lib/protocol.js',
        'lib/protocol.d.ts',
      ]),
    );
    const stray = files.filter(
      (path) => !/^(package\.json|README\.md|SECURITY\.md|lib\/.+\.(js|d\.ts|js\.map))$/.test(path) || /test|fake/.test(path),
    );
    expect(stray).toEqual([]);

    const project = join(workspace, 'consumer');
    run('mkdir', ['-p', project], workspace);
    writeFileSync(
      join(project, 'package.json'),
      JSON.stringify({
        name: 'consumer',
        private: true,
        type: 'module',
        dependencies: { 'sw-token-broker': `file:${join(workspace, packed?.filename ?? '')}` },
      }),
    );
    run('npm', ['install', '--prefer-offline', '--no-package-lock'], project);

    writeFileSync(join(project, 'worker.ts'), WORKER);
    writeFileSync(join(project, 'page.ts'), PAGE);
    writeFileSync(join(project, 'tsconfig.worker.json'), tsconfig(['es2022', 'webworker'], 'worker.ts'));
    writeFileSync(join(project, 'tsconfig.page.json'), tsconfig(['es2022', 'dom'], 'page.ts'));
    for (const config of ['tsconfig.worker.json', 'tsconfig.page.json']) {
      expect(() => run(process.execPath, [TSC, '-p', config], project), config).not.toThrow();
    }

    const imported = run(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        `const worker = await import('sw-token-broker/worker');
         const client = await import('sw-token-broker/client');
         const protocol = await import('sw-token-broker/protocol');
         const broker = worker.createTokenBroker({ origin: 'https://app.example', log: false });
         let deep = 'exported';
         try { await import('sw-token-broker/lib/worker/token-broker.js'); } catch (error) { deep = error.code; }
         console.log(JSON.stringify({
           worker: typeof worker.createTokenBroker, client: typeof client.createBrokerClient, oidc: typeof worker.oidc,
           same: worker.BrokerError === client.BrokerError && client.BrokerError === protocol.BrokerError,
           kind: broker.classify(new Request('https://app.example/api/x')), deep,
         }));`,
      ],
      project,
    );
    expect(JSON.parse(imported)).toEqual({
      worker: 'function',
      oidc: 'function',
      client: 'function',
      same: true,
      kind: 'api',
      deep: 'ERR_PACKAGE_PATH_NOT_EXPORTED',
    });
  });
});
