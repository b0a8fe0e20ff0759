import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './test/browser/chromium.ts';

const PORT = 5199;

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '*.spec.ts',
  timeout: 180_000,
  workers: 1,
  reporter: [['list']],
  use: {
    baseURL: `http://localhost:${PORT}`,
    browserName: 'chromium',
    headless: true,
    launchOptions: { executablePath: findChromium(), args: CHROMIUM_ARGS },
  },
  webServer: {
    command: `npx vite --port ${PORT} --strictPort`,
    url: `http://localhost:${PORT}/conformance.html`,
    reuseExistingServer: !process.env.CI,
    timeout: 60_000,
  },
});
