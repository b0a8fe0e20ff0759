import { defineConfig } from '@playwright/test';
import { CHROMIUM_ARGS, findChromium } from './test/browser/chromium.ts';

// PW_PORT lets two checkouts test at once; a server found on the port is never reused, since it
// may be serving another checkout's code.
const PORT = Number(process.env.PW_PORT ?? 5199);

export default defineConfig({
  testDir: 'test/browser',
  testMatch: '*.spec.ts',
  timeout: 180_000,
  // Auto-waiting assertions wait for the page, not a clock: 5 s (the default) is short for a page
  // whose workers share two loaded cores with the test runner.
  expect: { timeout: 30_000 },
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
    reuseExistingServer: false,
    timeout: 60_000,
  },
});
