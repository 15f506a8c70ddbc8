import { defineConfig } from "vite";

// Relative URLs: the same files work at the root of a bucket or distribution and under a path.
export default defineConfig({ base: "./" });
