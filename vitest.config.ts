import { defineConfig } from 'vitest/config';

// vite's root is app/; unit tests live beside the code in every runtime folder.
export default defineConfig({
  test: {
    root: '.',
    include: ['app/**/*.test.ts', 'sw/**/*.test.ts', 'mock-api/**/*.test.ts', 'e2e/fixtures/**/*.test.ts'],
    environment: 'node',
  },
});
