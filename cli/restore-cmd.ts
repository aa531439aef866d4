// `rafdir restore --profile P --namespace NS --pvc NAME [--snapshot ID] [--path DIR] [--existing] ...`: posts
// io.rafdir.restore.requested to the broker (the sandbox's, or --broker URL), then follows the RestoreRun it started
// (found by the request's label) to its end, unless --no-wait. Exit 0: restored; 1: the restore failed; 2: bad input.
import { createEmitter } from "../shared/cloudevents/emitter.ts";
import { RestoreRequestedData } from "../shared/event-data.ts";
import { EventTypes, newEvent } from "../shared/events.ts";
import { createKube, loadKubeConfig, type Kube, type Obj } from "../shared/kube/port.ts";
import { createLogger } from "../shared/log.ts";
import { RUN_API_VERSION } from "../shared/runs/run.ts";
import { parseRestoreStatus, REQUEST_LABEL, RESTORE_KIND, requestHash, type RestoreRun, type RestoreStatus } from "../shared/runs/restore-run.ts";
import { brokerUrlOf } from "./backup-cmd.ts";
import { readRunInfo } from "./sandbox-cmd.ts";

export interface RestoreOptions {
  dir: string;
  broker?: string;
  profile?: string;
  namespace?: string;
  pvc?: string;
  snapshot?: string;
  path?: string;
  repository?: string;
  storageClass?: string;
  size?: string;
  existing: boolean;
  force: boolean;
  wait: boolean;
  /** Namespace of the RestoreRuns (the backup namespace). */
  backupNamespace?: string;
  timeoutMs?: number;
}

export async function restoreCommand(opts: RestoreOptions): Promise<number> {
  const parsed = RestoreRequestedData.safeParse({
    profile: opts.profile,
    ...(opts.snapshot ? { snapshot: opts.snapshot } : {}),
    ...(opts.path ? { path: opts.path } : {}),
    ...(opts.repository ? { repository: opts.repository } : {}),
    ...(opts.force ? { force: true } : {}),
    requestedBy: "rafdir-cli",
    target: {
      namespace: opts.namespace,
      pvc: opts.pvc,
      ...(opts.existing ? { existing: true } : {}),
      ...(opts.storageClass ? { storageClass: opts.storageClass } : {}),
      ...(opts.size ? { size: opts.size } : {}),
    },
  });
  if (!parsed.success) {
    const flag: Record<string, string> = { "target.namespace": "--namespace", "target.pvc": "--pvc", "target.storageClass": "--storage-class", "target.size": "--size" };
    for (const i of parsed.error.issues) {
      const field = i.path.join(".");
      process.stderr.write(`rafdir restore: ${flag[field] ?? `--${field}`}: ${i.message}\n`);
    }
    return 2;
  }
  const sink = brokerUrlOf(opts.dir, opts.broker);
  if (!sink) {
    process.stderr.write(`no broker: start the sandbox (rafdir sandbox up --detach) or pass --broker URL\n`);
    return 2;
  }
  const event = newEvent(EventTypes.restoreRequested, "/rafdir/cli", parsed.data);
  const log = createLogger({ name: "rafdir-cli", level: "warn" });
  await createEmitter({ sink, log }).emit(event);
  const { target } = parsed.data;
  process.stdout.write(`restore of profile ${parsed.data.profile} into PVC ${target.namespace}/${target.pvc} requested (event ${event.id})\n`);
  if (!opts.wait) {
    process.stdout.write(`follow it with: kubectl -n ${opts.backupNamespace ?? "backup"} get restoreruns -w\n`);
    return 0;
  }
  const kubeconfig = process.env["KUBECONFIG"] ?? readRunInfo(opts.dir)?.kubeconfig;
  const kube = createKube(loadKubeConfig(kubeconfig));
  const run = await follow(kube, opts.backupNamespace ?? "backup", `${REQUEST_LABEL}=${requestHash(event.source, event.id)}`, opts.timeoutMs ?? 30 * 60_000);
  if (!run) {
    process.stderr.write(`no end of the restore within the time allowed; see: kubectl -n ${opts.backupNamespace ?? "backup"} get restoreruns\n`);
    return 1;
  }
  return run.phase === "Succeeded" ? 0 : 1;
}

/** Prints each phase change of the RestoreRun with the request's label, until it ends (or the timeout). */
async function follow(kube: Kube, namespace: string, selector: string, timeoutMs: number): Promise<RestoreStatus | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last = "";
  while (Date.now() < deadline) {
    const [run] = await kube.list<RestoreRun & Obj>(RUN_API_VERSION, RESTORE_KIND, namespace, selector);
    const status = run && parseRestoreStatus(run);
    if (run && status) {
      const line = `${run.metadata.name}: ${status.phase}${status.message ? ` — ${status.message}` : ""}`;
      if (line !== last) process.stdout.write(`  ${line}\n`);
      last = line;
      if (status.phase === "Succeeded" || status.phase === "Failed") {
        if (status.error) process.stdout.write(`  reason: ${status.error.reason}\n`);
        return status;
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  return undefined;
}
