import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['tests/e2e/**/*.e2e.ts'],
    testTimeout: 240_000,
    hookTimeout: 120_000,
    fileParallelism: false,
    pool: 'forks',
    // a page that is right waits; only a wrong one times out. The default second is too short for a chart to
    // load its artifacts and draw on a loaded machine (two heatmaps of a kernel run: one in time, one not).
    expect: { poll: { timeout: 15_000, interval: 100 } },
  },
})
