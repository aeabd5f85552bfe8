import { defineConfig } from "vite";

// A static site: relative asset URLs, so it works from any path (S3/CloudFront or the local server).
export default defineConfig({
  base: "./",
  build: { outDir: "dist", emptyOutDir: true }, // Chart.js is its own chunk (dynamic import), so the default size warning holds
  test: { include: ["tests/**/*.test.ts"], environment: "node" },
} as never);
