import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Server tests start real servers and worker threads; two cores are plenty busy with one file at a time.
    fileParallelism: false,
    // Checks every relay response a test sees against the OpenAPI document.
    setupFiles: ["test/openapi/response-conformance-setup.ts"],
  },
});
