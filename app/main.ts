import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { registerServiceWorker } from './sw-registration';
import { sessionReady } from './useSession';
import './style.css';

registerServiceWorker();
void sessionReady();
createApp(App).use(router).mount('#app');
