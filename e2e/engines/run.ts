// The cross-engine suite (npm run test:engines): the core flows in Firefox ESR and WebKitGTK and
// a smoke test in the oldest WebKit, against the production build in dist/ served by the mock API.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startOidcStack } from '../../mock-oidc/index.ts';
import { BROWSER_TARGETS } from '../../vite.config';
import { ACCESS_TTL_SECONDS } from '../server-env';
import { syntaxNewerThan } from '../syntax-floor';
import { type Binary, requireBinaries } from './binaries';
import { type EngineBrowser } from './driver';
import { FIREFOX_BINARIES, launchFirefox } from './firefox';
import { coreFlow, type FlowContext, smokeFlow, type Step } from './flows';
import { type MockServer, startMockServer } from './mock-server';
import { countRefreshes, oidcFlow } from './oidc-flows';
import { launchWebKitGtk, launchWpe, WEBKITGTK_BINARIES, WPE_BINARIES } from './webkit';

interface Engine {
  readonly name: string;
  readonly binaries: readonly Binary[];
  launch(): Promise<EngineBrowser>;
  readonly flow: readonly Step[];
}

const ENGINES: readonly Engine[] = [
  {
    name: 'Firefox ESR (puppeteer-core, WebDriver BiDi)',
    binaries: FIREFOX_BINARIES,
    launch: launchFirefox,
    flow: [...coreFlow, ...oidcFlow],
  },
  {
    name: 'WebKitGTK (WebKitWebDriver, MiniBrowser under Xvfb)',
    binaries: WEBKITGTK_BINARIES,
    launch: launchWebKitGtk,
    flow: [...coreFlow, ...oidcFlow],
  },
  { name: 'WPE WebKit 2.38 (WPEWebDriver, cog headless): smoke', binaries: WPE_BINARIES, launch: launchWpe, flow: smokeFlow },
];

/** Long enough that no token expires during the run: any refresh there is a restarted worker's. */
const LASTING_TTL_SECONDS = 3_600;

let servers: { expiring: MockServer; lasting: MockServer; oidc: FlowContext['oidc'] } | undefined;
let oidcDist: string | undefined;

// Interrupted: exit through process.exit, so that 'exit' listeners stop what the suite started.
for (const [signal, code] of [
  ['SIGINT', 130],
  ['SIGTERM', 143],
] as const) {
  process.once(signal, () => process.exit(code));
}

before(
  async () => {
    oidcDist = mkdtempSync(join(tmpdir(), 'engines-oidc-'));
    // The app built for a local OpenID Provider (a build of its own), its API and the provider, in this process.
    const [expiring, lasting, stack] = await Promise.all([
      startMockServer(ACCESS_TTL_SECONDS),
      startMockServer(LASTING_TTL_SECONDS),
      startOidcStack({ distDir: oidcDist, build: { quiet: true }, api: { accessTtl: LASTING_TTL_SECONDS } }),
    ]);
    if (!stack.provider) throw new Error('the local OpenID Provider did not start');
    servers = { expiring, lasting, oidc: Object.assign(stack, { refreshes: countRefreshes(stack.provider.provider) }) };
  },
  { timeout: 180_000 },
);

after(async () => {
  await Promise.all([servers?.expiring.stop(), servers?.lasting.stop(), servers?.oidc.close()]);
  if (oidcDist) rmSync(oidcDist, { recursive: true, force: true });
});

// node:test runs what describe() and it() register; the promises they return only report it.
void describe('the production build', () => {
  void it(`dist/ (the app and sw.js) uses no syntax newer than ${BROWSER_TARGETS.join(', ')}`, async () => {
    assert.ok(existsSync('dist/sw.js'), 'dist/sw.js is missing: run `npm run build` first.');
    assert.deepEqual(await syntaxNewerThan(BROWSER_TARGETS, 'dist'), []);
  });
});

for (const engine of ENGINES) {
  void describe(engine.name, () => {
    let context: FlowContext | undefined;
    let failedStep: string | undefined;

    before(
      async () => {
        requireBinaries(
          engine.binaries,
          ENGINES.flatMap((each) => each.binaries),
        );
        if (!servers) throw new Error('the mock API servers did not start');
        await Promise.all([servers.expiring.reset(), servers.lasting.reset()]);
        context = { browser: await engine.launch(), ...servers };
      },
      { timeout: 120_000 },
    );

    after(
      async () => {
        await context?.browser.close();
      },
      { timeout: 60_000 },
    );

    for (const [index, step] of engine.flow.entries()) {
      void it(step.name, { timeout: 120_000 }, async (t) => {
        if (!context) throw new Error('the browser did not start');
        if (failedStep !== undefined) return t.skip(`an earlier step failed: ${failedStep}`);
        if (index === 0) t.diagnostic(context.browser.version);
        try {
          const outcome = await step.run(context);
          if (outcome) t.skip(outcome.skipped);
        } catch (error) {
          failedStep = step.name;
          throw error;
        }
      });
    }
  });
}
