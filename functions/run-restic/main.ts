// rafdir-run-restic: `node --import tsx functions/run-restic/main.ts` (the image's `rafdir-function run-restic`).
import { runFunction } from "../common/index.ts";
import { createRunResticApp } from "./app.ts";

await runFunction("run-restic", createRunResticApp);
