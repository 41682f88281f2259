import { watch } from 'vue';
import { createRouter, createWebHistory, type RouteLocationRaw } from 'vue-router';
import { safeReturnUrl } from './returnUrl';
import { sessionReady, useSession } from './useSession';
import HomeView from './views/HomeView.vue';
import LoginView from './views/LoginView.vue';
import NotFoundView from './views/NotFoundView.vue';

/** The app's routes; everything but /login needs a session. */
export const router = createRouter({
  history: createWebHistory(),
  routes: [
    { path: '/login', name: 'login', component: LoginView, meta: { public: true } },
    { path: '/', name: 'home', component: HomeView },
    { path: '/:rest(.*)*', name: 'not-found', component: NotFoundView },
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
