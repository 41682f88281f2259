/** The app's name: the last part of every page title. */
export const APP_NAME = 'Token Broker Demo';

/** A page's document title, its own name first so tabs and history tell pages apart. */
export function pageTitle(page: string | undefined): string {
  return page ? `${page} · ${APP_NAME}` : APP_NAME;
}
