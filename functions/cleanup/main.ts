// rafdir-cleanup: `node --import tsx functions/cleanup/main.ts` (the image's `rafdir-function cleanup`).
import { runFunction } from "../common/index.ts";
import { createCleanupApp } from "./app.ts";

await runFunction("cleanup", createCleanupApp);
