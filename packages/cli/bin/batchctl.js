#!/usr/bin/env node
// The operator CLI runs from the repository's TypeScript sources, through tsx's loader.
import { register } from "tsx/esm/api";

register();
const { run } = await import("../src/main.ts");
process.exitCode = await run(process.argv);
