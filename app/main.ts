import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { registerServiceWorker, registration } from './sw-registration';
import { startSession } from './useSession';
import './style.css';

registerServiceWorker();
void startSession(registration);
createApp(App).use(router).mount('#app');
