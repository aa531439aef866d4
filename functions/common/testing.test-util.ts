// Test helpers for the functions: dependencies around a sandbox port with an emitter that records instead of
// sending, the rafdir CRDs installed from knative/crds, and a rafdir-config ConfigMap.
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import type { CloudEvent } from "cloudevents";
import { parse as parseYaml } from "yaml";
import { toCatalogEvent, type FunctionName } from "../../shared/events.ts";
import type { Kube, Obj } from "../../shared/kube/port.ts";
import { createLogger, type Logger } from "../../shared/log.ts";
import { CONFIG_MAP_NAME } from "../../shared/profiles/index.ts";
import { RUN_API_VERSION, RUN_KIND } from "../../shared/runs/run.ts";
import { readRafdirConfig, type FunctionDeps } from "./deps.ts";

const CRD_DIR = fileURLToPath(new URL("../../knative/crds/", import.meta.url));

export interface TestDeps extends FunctionDeps {
  /** Every event passed to emit(), in order (checked against the catalog like the real emitter does). */
  emitted: CloudEvent<unknown>[];
  /** Moves the test clock. */
  setNow(at: Date): void;
}

export function testDeps(kube: Kube, opts: { name: FunctionName; namespace?: string; now?: Date; log?: Logger }): TestDeps {
  let at = opts.now ?? new Date();
  const namespace = opts.namespace ?? "backup";
  const emitted: CloudEvent<unknown>[] = [];
  const deps: TestDeps = {
    name: opts.name,
    kube,
    log: opts.log ?? createLogger({ level: process.env["RAFDIR_TEST_LOG"] ?? "silent", name: `test-${opts.name}` }),
    namespace,
    now: () => at,
    setNow: (d) => void (at = d),
    emitted,
    async emit(event) {
      const checked = toCatalogEvent(event);
      if (!checked.ok) throw new Error(`emit: ${checked.reason}`);
      emitted.push(event);
    },
    loadConfig: () => readRafdirConfig(kube, namespace, at),
  };
  return deps;
}

/** Installs backupruns.rafdir.io / restoreruns.rafdir.io and waits until BackupRuns are served. */
export async function installRafdirCrds(kube: Kube, namespace = "backup"): Promise<void> {
  for (const file of readdirSync(CRD_DIR).filter((f) => f.endsWith(".yaml"))) {
    await kube.ensure(parseYaml(readFileSync(join(CRD_DIR, file), "utf8")) as Obj);
  }
  await kube.ensure({ apiVersion: "v1", kind: "Namespace", metadata: { name: namespace } });
  for (let i = 0; ; i++) {
    try {
      await kube.list(RUN_API_VERSION, RUN_KIND, namespace);
      return;
    } catch (err) {
      if (i > 50) throw err;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
}

/** Creates or replaces ConfigMap rafdir-config. */
export async function writeRafdirConfig(kube: Kube, data: Record<string, string>, namespace = "backup"): Promise<void> {
  const ref = { apiVersion: "v1", kind: "ConfigMap", name: CONFIG_MAP_NAME, namespace };
  const { created } = await kube.ensure({ apiVersion: "v1", kind: "ConfigMap", metadata: { name: CONFIG_MAP_NAME, namespace }, data });
  if (!created) await kube.patch(ref, { data: Object.fromEntries([...Object.keys((await kube.get(ref))?.["data"] ?? {}).map((k) => [k, null]), ...Object.entries(data)]) });
}
