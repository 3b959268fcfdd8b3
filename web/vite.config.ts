// Builds the panel into web/dist, which the API serves at / and /researchers/{id}. Absolute asset paths ("/assets/…")
// because the same index.html answers deep links like /researchers/orcid%3A…; `npm run dev` proxies the API.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
  },
  server: {
    proxy: { "/api": process.env.KG_API_URL ?? "http://127.0.0.1:8000" },
  },
});
