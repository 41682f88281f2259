import puppeteer, { type Browser, type ElementHandle, type Page } from 'puppeteer-core';
import { type Binary } from './binaries';
import { assertSelfContained, buttonByName, controlByLabel, type EngineBrowser, type EngineTab, type PageFunction, until } from './driver';

/** Debian's Firefox ESR (`apt-get install firefox-esr`). */
export const FIREFOX_BINARIES: readonly Binary[] = [{ path: '/usr/bin/firefox-esr', debianPackage: 'firefox-esr' }];

/**
 * How long this profile's Firefox lets an idle service worker live (the default is 30 s).
 * WebDriver BiDi has no command to stop a worker; Firefox's idle timeout is how it stops them
 * for real, so the profile shortens it. Every flow then also runs across worker restarts.
 */
const WORKER_IDLE_TIMEOUT_MS = 1_000;

/** Waits for `find(arg)` to return an element in the page and hands back a handle to it. */
function elementIn(page: Page, what: string, find: (arg: string) => HTMLElement | null, arg: string): Promise<ElementHandle<HTMLElement>> {
  return until(what, async () => {
    const handle = await page.evaluateHandle(find, arg);
    // `find` returns an HTMLElement or null; puppeteer types every element handle as a Node.
    const element = handle.asElement() as ElementHandle<HTMLElement> | null;
    if (!element) await handle.dispose();
    return element;
  });
}

function tabOf(page: Page): EngineTab {
  return {
    goto: async (url) => void (await page.goto(url, { waitUntil: 'load' })),
    reload: async () => void (await page.reload({ waitUntil: 'load' })),
    evaluate: async <Arg, Result>(script: PageFunction<Arg, Result>, arg: Arg): Promise<Result> => {
      assertSelfContained(script);
      // Puppeteer's parameter types unwrap handles; a JSON argument is passed as it is.
      return page.evaluate(script as (arg: unknown) => Result | Promise<Result>, arg);
    },
    fill: async (label, value) => {
      const control = await elementIn(page, `a control labelled "${label}"`, controlByLabel, label);
      await control.type(value);
      await control.dispose();
    },
    clickButton: async (name) => {
      const button = await elementIn(page, `a button "${name}"`, buttonByName, name);
      await button.click();
      await button.dispose();
    },
    close: () => page.close(),
  };
}

/** Ends the browser; kills its process if the BiDi close failed (puppeteer issue #15468). */
async function closeBrowser(browser: Browser): Promise<void> {
  const child = browser.process();
  await browser.close().catch(() => undefined);
  if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
}

/** Launches headless Firefox ESR through puppeteer-core over WebDriver BiDi, with a fresh profile. */
export async function launchFirefox(): Promise<EngineBrowser> {
  const browser = await puppeteer.launch({
    browser: 'firefox',
    protocol: 'webDriverBiDi',
    executablePath: FIREFOX_BINARIES[0]?.path,
    headless: true,
    // A cold start on a busy machine can pass puppeteer's default of 30 s.
    timeout: 120_000,
    extraPrefsFirefox: { 'dom.serviceWorkers.idle_timeout': WORKER_IDLE_TIMEOUT_MS },
  });
  try {
    const page = (await browser.pages())[0] ?? (await browser.newPage());
    return {
      version: await browser.version(),
      tab: tabOf(page),
      newTab: { how: async () => tabOf(await browser.newPage()) },
      stopWorker: {
        how: async (tab) => {
          await tab.goto('about:blank');
          // Time is the subject: the idle timeout set above, with room for a busy machine. No
          // protocol reports the stop; the flow sees it as the refresh a restarted worker needs.
          await new Promise((resolve) => setTimeout(resolve, WORKER_IDLE_TIMEOUT_MS * 3));
        },
      },
      close: () => closeBrowser(browser),
    };
  } catch (error) {
    await closeBrowser(browser);
    throw error;
  }
}
