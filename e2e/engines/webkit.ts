import { spawn, type ChildProcess } from 'node:child_process';
import { remote } from 'webdriverio';
import { freePort } from '../free-port';
import { type Binary, multiarchLibPath } from './binaries';
import {
  type Ability,
  assertSelfContained,
  buttonByName,
  controlByLabel,
  type EngineBrowser,
  type EngineTab,
  type PageFunction,
  until,
} from './driver';

const MINIBROWSER = multiarchLibPath('webkit2gtk-4.1/MiniBrowser');

/**
 * WebKit stops an origin's service workers this long after the last page of that origin has
 * gone (`SWServer::defaultTerminationDelay` in WebCore/workers/service/server/SWServer.h).
 */
const WORKER_TERMINATION_DELAY_MS = 10_000;

/** WebKitGTK's driver and browser, and Xvfb for its window (`webkit2gtk-driver` brings MiniBrowser). */
export const WEBKITGTK_BINARIES: readonly Binary[] = [
  { path: '/usr/bin/WebKitWebDriver', debianPackage: 'webkit2gtk-driver' },
  { path: MINIBROWSER, debianPackage: 'webkit2gtk-driver' },
  { path: '/usr/bin/xvfb-run', debianPackage: 'xvfb' },
];

/** WPE WebKit's driver and cog, its browser (which draws nothing with `--platform=headless`). */
export const WPE_BINARIES: readonly Binary[] = [
  { path: '/usr/bin/WPEWebDriver', debianPackage: 'wpewebkit-driver' },
  { path: '/usr/bin/cog', debianPackage: 'cog' },
];

/** A WebDriver server the runner started, in a process group of its own so that all of it stops. */
interface DriverProcess {
  readonly port: number;
  stop(): Promise<void>;
}

async function startDriver(command: string, args: (port: number) => string[]): Promise<DriverProcess> {
  const port = await freePort();
  const child: ChildProcess = spawn(command, args(port), { detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer): void => void (output = (output + chunk.toString()).slice(-4_000));
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  // The whole group: xvfb-run leaves Xvfb and the driver (and its browser) running otherwise.
  const signalGroup = (signal: NodeJS.Signals): void => {
    try {
      if (child.pid !== undefined) process.kill(-child.pid, signal);
    } catch {
      // The group has already gone.
    }
  };
  // Not in the runner's process group, so not stopped with it: stop it when the runner exits.
  const onExit = (): void => signalGroup('SIGKILL');
  process.once('exit', onExit);
  const stop = async (): Promise<void> => {
    process.off('exit', onExit);
    if (child.exitCode !== null || child.signalCode !== null) return;
    signalGroup('SIGTERM');
    const killed = setTimeout(() => signalGroup('SIGKILL'), 5_000);
    await exited;
    clearTimeout(killed);
  };
  try {
    await until(`${command} to answer on port ${port}`, async () => {
      if (child.exitCode !== null) throw new Error(`${command} exited with ${child.exitCode}:\n${output}`);
      const status = await fetch(`http://127.0.0.1:${port}/status`).catch(() => undefined);
      return status?.ok === true;
    });
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, stop };
}

/** W3C capabilities, with the `webkitgtk:` / `wpe:` extension ones that webdriverio's types do not list. */
type WebKitCapabilities = { browserName?: string } & Record<`${string}:browserOptions`, { binary: string; args: string[] }>;

interface WebKitOptions {
  readonly driver: DriverProcess;
  readonly capabilities: WebKitCapabilities;
  readonly newTab: Ability<'window'>;
  readonly stopWorker: Ability<'leave-origin'>;
}

async function connect({ driver, capabilities, newTab, stopWorker }: WebKitOptions): Promise<EngineBrowser> {
  const session = await remote({
    hostname: '127.0.0.1',
    port: driver.port,
    path: '/',
    logLevel: 'error',
    // Neither driver speaks WebDriver BiDi, which webdriverio 9 would ask for by default.
    capabilities: { ...(capabilities as WebdriverIO.Capabilities), 'wdio:enforceWebDriverClassic': true },
  });
  // One session drives every tab; each tab switches to its own window before it acts.
  let current = await session.getWindowHandle();
  const focus = async (handle: string): Promise<void> => {
    if (current === handle) return;
    await session.switchToWindow(handle);
    current = handle;
  };
  const element = async (handle: string, what: string, find: (arg: string) => HTMLElement | null, arg: string) => {
    await focus(handle);
    // What `find` returns reaches webdriverio as a W3C element reference, which `$` takes.
    const found = await until(what, () => session.execute(find, arg));
    return session.$(found);
  };
  const tabOf = (handle: string): EngineTab => ({
    goto: async (url) => {
      await focus(handle);
      await session.url(url);
    },
    reload: async () => {
      await focus(handle);
      await session.refresh();
    },
    evaluate: async <Arg, Result>(script: PageFunction<Arg, Result>, arg: Arg): Promise<Result> => {
      assertSelfContained(script);
      await focus(handle);
      // W3C Execute Script awaits a promise the script returns. The results here are JSON, which
      // webdriverio hands back as they are (it only turns element references into elements).
      return (await session.execute(script as (...args: unknown[]) => Result | Promise<Result>, arg)) as Result;
    },
    fill: async (label, value) => (await element(handle, `a control labelled "${label}"`, controlByLabel, label)).setValue(value),
    clickButton: async (name) => (await element(handle, `a button "${name}"`, buttonByName, name)).click(),
    close: async () => {
      await focus(handle);
      await session.closeWindow();
      const [remaining] = await session.getWindowHandles();
      if (remaining !== undefined) await focus(remaining);
    },
  });
  const close = async (): Promise<void> => {
    await session.deleteSession().catch(() => undefined);
    await driver.stop();
  };
  try {
    const name = String(session.capabilities.browserName);
    const version = String(session.capabilities.browserVersion);
    const tab = tabOf(current);
    return {
      version: `${name} ${version}`,
      tab,
      newTab:
        'skip' in newTab
          ? newTab
          : {
              how: async () => {
                const { handle } = await session.createWindow('tab');
                return tabOf(handle);
              },
            },
      stopWorker:
        'skip' in stopWorker
          ? stopWorker
          : {
              // WebDriver has no command to stop a worker; leaving its origin is how WebKit comes
              // to stop it for real. Time is the subject: WebKit's delay, with room for a busy
              // machine. Nothing reports the stop; the flow sees it as the refresh it causes.
              how: async (on) => {
                await on.goto('about:blank');
                await new Promise((resolve) => setTimeout(resolve, WORKER_TERMINATION_DELAY_MS * 1.5));
              },
            },
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

/** Starts WebKitWebDriver under xvfb-run (MiniBrowser has no headless mode) and opens a MiniBrowser session. */
export async function launchWebKitGtk(): Promise<EngineBrowser> {
  const driver = await startDriver('xvfb-run', (port) => ['--auto-servernum', '/usr/bin/WebKitWebDriver', `--port=${port}`]);
  return connect({
    driver,
    capabilities: {
      browserName: 'MiniBrowser',
      'webkitgtk:browserOptions': { binary: MINIBROWSER, args: ['--automation'] },
    },
    newTab: { how: 'window' },
    stopWorker: { how: 'leave-origin' },
  });
}

/** Starts WPEWebDriver and opens a session in cog, headless: WPE WebKit 2.38, a Safari 16-era engine. */
export async function launchWpe(): Promise<EngineBrowser> {
  const driver = await startDriver('/usr/bin/WPEWebDriver', (port) => [`--port=${port}`]);
  const smokeOnly = 'the oldest WebKit runs the smoke flow only';
  return connect({
    driver,
    capabilities: { 'wpe:browserOptions': { binary: '/usr/bin/cog', args: ['--automation', '--platform=headless'] } },
    newTab: { skip: smokeOnly },
    stopWorker: { skip: smokeOnly },
  });
}
