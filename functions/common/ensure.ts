// Creating the objects of a step, idempotently: "already exists" is success (names derive from the run). An object
// the API server refuses (400/422, 403) is a failure naming it, for the caller to abort the run with; anything
// else (network, 5xx, conflict) is thrown and answered 503, so the broker retries.
import { classifyKubeError } from "../../shared/errors.ts";
import type { Obj } from "../../shared/kube/port.ts";
import type { FunctionDeps } from "./deps.ts";

export type Ensured = { ok: true; created: string[] } | { ok: false; message: string };

const where = (obj: Obj): string => `${obj.kind} ${obj.metadata.namespace ? `${obj.metadata.namespace}/` : ""}${obj.metadata.name}`;

/** Gets or creates each object in order; `created` lists the ones this call created. */
export async function ensureObjects(deps: Pick<FunctionDeps, "kube">, objects: readonly Obj[]): Promise<Ensured> {
  const created: string[] = [];
  for (const obj of objects) {
    try {
      if ((await deps.kube.ensure(obj)).created) created.push(where(obj));
    } catch (err) {
      const f = classifyKubeError(err);
      if (f.kind !== "invalid" && f.kind !== "forbidden") throw err;
      return { ok: false, message: `the API server refused ${where(obj)}: ${[f.status, f.message].filter((x) => x !== undefined).join(" ")}` };
    }
  }
  return { ok: true, created };
}
