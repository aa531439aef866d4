#!/usr/bin/env node
// Entry point of the `rafdir` command: runs the TypeScript sources through tsx (no build step).
import { register } from "tsx/esm/api";

register();
const { main } = await import("../cli/rafdir.ts");
process.exit(await main(process.argv.slice(2)));
