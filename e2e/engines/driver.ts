/**
 * The little that the shared flows ask of a browser. Each engine file adapts its own client
 * (puppeteer-core, webdriverio) to these interfaces and nothing else; the flows never see a
 * client.
 */

/** A function run inside the page: its source is sent to the browser, so it may use no closure. */
export type PageFunction<Arg, Result> = (arg: Arg) => Result | Promise<Result>;

/** One tab (top-level browsing context). */
export interface EngineTab {
  /** Navigates to an absolute URL and resolves once the page has loaded. */
  goto(url: string): Promise<void>;
  /** Reloads the page and resolves once it has loaded again. */
  reload(): Promise<void>;
  /** Runs `script(arg)` in the page, awaits it there, and resolves with its (JSON) result. */
  evaluate<Arg, Result>(script: PageFunction<Arg, Result>, arg: Arg): Promise<Result>;
  /** Types `value` into the form control whose label is `label`, with key events, as a user does. */
  fill(label: string, value: string): Promise<void>;
  /** Clicks the button whose accessible name is `name`, with pointer events, as a user does. */
  clickButton(name: string): Promise<void>;
  /** Closes the tab. */
  close(): Promise<void>;
}

/** Something only some engines can do: how, or why this one cannot (printed when skipped). */
export type Ability<Do> = { readonly how: Do } | { readonly skip: string };

/** A running browser with one tab open. */
export interface EngineBrowser {
  /** Engine and version as the browser reports them, for the log. */
  readonly version: string;
  /** The tab the browser started with. */
  readonly tab: EngineTab;
  /** Opens another tab of the same profile (so the same service worker and cookies). */
  readonly newTab: Ability<() => Promise<EngineTab>>;
  /**
   * Leaves `tab` on `about:blank` until the engine has (most likely) stopped the service worker
   * of the origin it was on, as browsers do to idle ones (its memory goes with it). The flow
   * navigates back and checks that it did.
   */
  readonly stopWorker: Ability<(tab: EngineTab) => Promise<void>>;
  /** Ends the session and the browser process, and whatever the adapter started for them. */
  close(): Promise<void>;
}

/**
 * Throws when the runner's TypeScript loader (tsx, through esbuild's keepNames) has wrapped a
 * function inside `script` in a `__name(...)` call: the page has no `__name`, so the script
 * would fail there with a confusing ReferenceError. Page scripts use inline callbacks instead.
 */
export function assertSelfContained(script: (...args: never[]) => unknown): void {
  if (script.toString().includes('__name(')) {
    throw new TypeError(`a page script names an inner function, which the page cannot run:\n${script.toString()}`);
  }
}

/** Finds the form control labelled `label` (a `<label>`'s text or an `aria-label`), or null. */
export function controlByLabel(label: string): HTMLElement | null {
  const byLabel = Array.from(document.querySelectorAll('label')).find((element) => element.textContent?.trim() === label);
  return byLabel?.control ?? document.querySelector<HTMLElement>(`[aria-label="${CSS.escape(label)}"]`);
}

/** Finds the enabled button whose accessible name (an `aria-label`, else its text) is `name`, or null. */
export function buttonByName(name: string): HTMLElement | null {
  const buttons = Array.from(document.querySelectorAll<HTMLElement>('button, [role="button"]'));
  return buttons.find((element) => (element.getAttribute('aria-label') ?? element.textContent ?? '').trim() === name) ?? null;
}

/**
 * Polls `check` every 100 ms until it returns something other than false, null or undefined,
 * and resolves with that; throws naming `what` after `timeoutMs`.
 */
export async function until<T>(what: string, check: () => Promise<T | false | null | undefined>, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await check();
    if (value !== false && value !== null && value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
