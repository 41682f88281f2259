import { createApp } from 'vue';
import App from './App.vue';
import { router } from './router';
import { registerServiceWorker, registrationFailed } from './sw-registration';
import { startSession } from './useSession';
import './style.css';

registerServiceWorker();
void startSession(registrationFailed);
createApp(App).use(router).mount('#app');
