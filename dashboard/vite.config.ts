import { defineConfig } from "vite";

// A static site: relative asset URLs, so it works from any path (S3/CloudFront or the local server).
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 900 },
  test: { include: ["tests/**/*.test.ts"], environment: "node" },
} as never);
