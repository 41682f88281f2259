import { nextTick, watch } from 'vue';
import { START_LOCATION, createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import { pageTitle } from './page-title';
import { safeReturnUrl } from './returnUrl';
import { sessionReady, useSession } from './useSession';
import HomeView from './views/HomeView.vue';
import LoginView from './views/LoginView.vue';
import NotFoundView from './views/NotFoundView.vue';

declare module 'vue-router' {
  interface RouteMeta {
    /** The page's name, first in the document title. */
    title?: string;
    /** Shown without a session. */
    public?: boolean;
  }
}

/** The app's routes; everything but /login needs a session. */
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true, title: 'Sign in' } },
    { path: '/', name: 'home', component: HomeView, meta: { title: 'Home' } },
    { path: '/:rest(.*)*', name: 'not-found', component: NotFoundView, meta: { title: 'Page not found' } },
  ],
});

const { session, protection } = useSession();
const signedIn = (): boolean => session.value?.status === 'signed-in';
const toLogin = (returnUrl: string): RouteLocationRaw => ({ name: 'login', query: { returnUrl } });

router.beforeEach(async (to) => {
  await sessionReady();
  // An unprotected page shows why (App.vue) and never calls the API.
  if (protection.value !== 'controlled') return true;
  if (to.name === 'login') return signedIn() ? safeReturnUrl(to.query.returnUrl) : true;
  return to.meta.public || signedIn() ? true : toLogin(to.fullPath);
});

// A new page says so: its title, and focus on its heading (tabindex="-1"), where a screen reader
// starts reading and the next Tab starts from. The page the browser opened keeps the browser's focus.
router.afterEach(async (to, from, failure) => {
  if (failure) return;
  document.title = pageTitle(to.meta.title);
  if (from === START_LOCATION || to.path === from.path) return;
  await nextTick();
  document.querySelector<HTMLElement>('main h1')?.focus();
});

// Follow sign-in and sign-out made elsewhere (another tab, an ended session).
watch(
  () => session.value?.status,
  async (status) => {
    const current = router.currentRoute.value;
    // Before the first navigation has settled the current route is START_LOCATION ('/', matching
    // nothing): the guard above decides that one, with the address the page was opened at.
    if (current.matched.length === 0) return;
    if (status === 'signed-out' && !current.meta.public) await router.replace(toLogin(current.fullPath));
    if (status === 'signed-in' && current.name === 'login') await router.replace(safeReturnUrl(current.query.returnUrl));
  },
);
