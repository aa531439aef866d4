// rafdir-restore: `node --import tsx functions/restore/main.ts` (the image's `rafdir-function restore`).
import { runFunction } from "../common/index.ts";
import { createRestoreApp } from "./app.ts";

await runFunction("restore", createRestoreApp);
