import { defineConfig } from "vitest/config";

const env = { POWERTOOLS_LOG_LEVEL: "SILENT", POWERTOOLS_METRICS_DISABLED: "true" };

export default defineConfig({
  test: {
    pool: "forks",
    // Two cores: two files at a time, each with its own database and queue engine.
    maxWorkers: 2,
    projects: [
      {
        // The core on in-memory fakes: no Postgres, no SQS, seconds (`npx vitest run --project unit`).
        // Threads without isolation: these files share no state but their modules, which load once.
        test: { name: "unit", include: ["packages/*/src/**/*.test.ts", "test/unit/**/*.test.ts"], pool: "threads", isolate: false, env },
      },
      {
        test: {
          name: "engines",
          include: ["test/**/*.test.ts"],
          exclude: ["test/unit/**"],
          globalSetup: ["test/support/globalSetup.ts"],
          testTimeout: 120_000,
          hookTimeout: 120_000,
          env,
        },
      },
    ],
  },
});
