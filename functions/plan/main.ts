// rafdir-plan: `node --import tsx functions/plan/main.ts` (the image's `rafdir-function plan`).
import { runFunction } from "../common/index.ts";
import { createPlanApp } from "./app.ts";

await runFunction("plan", createPlanApp);
