import { defaultServerConditions } from 'vite';
import { defineConfig } from 'vitest/config';
import { LIBRARY_SOURCE } from './vite.config.ts';

// vite's root is app/; unit tests live beside the code in every runtime folder. Imports of the
// library by its package name resolve to its sources (the package.json export condition).
const conditions = [LIBRARY_SOURCE, ...defaultServerConditions];

export default defineConfig({
  resolve: { conditions },
  ssr: { resolve: { conditions } },
  test: {
    root: '.',
    include: ['app/**/*.test.ts', 'sw/**/*.test.ts', 'mock-api/**/*.test.ts', 'mock-oidc/**/*.test.ts', 'e2e/fixtures/**/*.test.ts'],
    environment: 'node',
  },
});
