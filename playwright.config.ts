import { defineConfig } from '@playwright/test'

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
  // ICE host candidates as plain addresses rather than mDNS `.local` names: many contexts on
  // one host sometimes failed to resolve each other's names in a full run (a reader then
  // reached only two of four holders directly). Real networks add STUN candidates anyway.
  '--disable-features=WebRtcHideLocalIpsWithMdns',
]

export default defineConfig({
  testDir: 'test/e2e',
  // Many browser contexts per test share two cores: run files one at a time.
  workers: 1,
  fullyParallel: false,
  timeout: 180_000,
  expect: { timeout: 30_000 },
  retries: 0,
  reporter: process.env.CI ? 'list' : 'line',
  use: {
    browserName: 'chromium',
    launchOptions: {
      executablePath: process.env.CHROMIUM_PATH ?? '/usr/bin/chromium',
      args: CHROMIUM_ARGS,
    },
    trace: 'off',
  },
})
