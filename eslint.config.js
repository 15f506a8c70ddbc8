import js from "@eslint/js";
import tseslint from "typescript-eslint";

// Packages meet at their public entry points (package.json "exports"): no deep import of another
// package, no relative path into another package's source. The adapters' per-technology entry points,
// the testkit's fakes-only one and the wiring's stack-file reader (it reads files) are the declared subpaths.
const packageBoundaries = [
  {
    regex: "^@pipeline/(?!adapters/(ai|apigateway|auth|postgres|powertools|s3|sqs)$|testkit/fakes$|wiring/stackFile$)[^/]+/",
    message: "import another package through an entry point its package.json exports.",
  },
  { regex: "^(\\.\\./)+(packages/)?[^./][^/]*/src/", message: "a relative import stays inside its package: import the other package by name." },
];

// Fixtures and stand-ins are for tests and the benchmark only.
const noTestkit = { group: ["@pipeline/testkit"], message: "production code takes a stand-in as a parameter; it does not import @pipeline/testkit." };

export default tseslint.config(
  { ignores: ["**/node_modules/**", ".local/**", ".sst/**", "**/dist/**", "sst-env.d.ts"] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      "@typescript-eslint/consistent-type-imports": "error",
      "@typescript-eslint/no-unused-vars": ["error", { argsIgnorePattern: "^_" }],
      "no-restricted-imports": ["error", { patterns: packageBoundaries }],
    },
  },
  {
    files: ["packages/{adapters,cli,core,db,functions,local,media,web,wiring}/**/*.{ts,js}"],
    rules: { "no-restricted-imports": ["error", { patterns: [...packageBoundaries, noTestkit] }] },
  },
  {
    // SST's documented way to load its generated platform types.
    files: ["sst.config.ts"],
    rules: { "@typescript-eslint/triple-slash-reference": "off" },
  },
  {
    // The dashboard ships to browsers: nothing from Node or the server side, and only types from the
    // domain (its values would pull zod and the rest of the package into the bundle).
    files: ["packages/web/src/**/*.ts"],
    rules: {
      "@typescript-eslint/no-restricted-imports": [
        "error",
        {
          patterns: [
            { group: ["node:*", "@pipeline/*", "!@pipeline/core"], message: "the dashboard runs in a browser: talk to the server over HTTP and the WebSocket." },
            { group: ["@pipeline/core"], allowTypeImports: true, message: "the dashboard takes only types from @pipeline/core." },
          ],
        },
      ],
    },
  },
  {
    // The domain stays pure: no SDKs, drivers or infrastructure in packages/core.
    files: ["packages/core/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            ...packageBoundaries,
            noTestkit,
            { group: ["@aws-sdk/*", "@neondatabase/*", "sst", "sst/*", "pg", "ws", "@pipeline/adapters", "@pipeline/adapters/*", "@pipeline/functions", "@pipeline/local", "@pipeline/db", "node:*"], message: "packages/core is pure domain logic: depend on a port instead." },
          ],
        },
      ],
    },
  },
  {
    // Executables run by Node directly.
    files: ["packages/*/bin/**/*.js"],
    languageOptions: { globals: { process: "readonly", console: "readonly" } },
  },
);
