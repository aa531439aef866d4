// rafdir-snapshot: `node --import tsx functions/snapshot/main.ts` (the image's `rafdir-function snapshot`).
import { runFunction } from "../common/index.ts";
import { createSnapshotApp } from "./app.ts";

await runFunction("snapshot", createSnapshotApp);
