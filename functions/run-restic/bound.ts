// io.rafdir.pvc.bound → the backup: the per-run resticprofile configuration and job (ConfigMap objectName(run)) and
// the backup pod (the same name), both recorded on the run before they are created, then phase BackingUp with the
// backup's deadline. Anything that cannot work (profile gone, repository unknown, stdin pod missing, an object the
// API server refuses) aborts the run with a message naming it; cleanup then tears it down.
import { ProfileConfigError, buildResticprofileConfig } from "../../shared/restic/resticprofile-config.ts";
import { objectName, parseStatus, Steps, type BackupRun } from "../../shared/runs/run.ts";
import { resolveStdinTarget, type ExecTarget } from "../../shared/targets/index.ts";
import { isWithin, type Profile } from "../../shared/profiles/index.ts";
import { RunnerJob } from "../../runner/job.ts";
import { abortRun, getRun, observeTarget, patchRunStatus, recordRunEvent, runLog, type FunctionDeps } from "../common/index.ts";
import { ensureObjects } from "../common/ensure.ts";
import { loadRunProfile } from "../common/profile.ts";
import { backupDeadline, boundStep, DEFAULT_STDIN_FILENAME, runnerJob, runRepositories, runSpec } from "./decide.ts";
import { backupPod, runConfigMap, type RunIdent } from "./pod.ts";

const pascal = (kebab: string): string => kebab.replace(/(^|-)([a-z])/g, (_m, _d: string, c: string) => c.toUpperCase());

export async function onPvcBound(deps: FunctionDeps, runName: string): Promise<undefined> {
  let run = await getRun(deps, runName);
  if (!run) return void deps.log.warn({ run: runName }, "BackupRun not found; nothing to back up");
  const d: FunctionDeps = { ...deps, log: runLog(deps.log, run) };
  const status = parseStatus(run);
  const step = boundStep(status);
  if (step.kind === "skip" || !status) return void d.log.info({ reason: step.kind === "skip" ? step.reason : "" }, "pvc.bound: nothing to do");

  const loaded = await loadRunProfile(d, run, "backup");
  if (!loaded) return undefined;
  const { config, profile } = loaded;
  const fail = (reason: string, message: string): Promise<void> => abortRun(d, run as BackupRun, { step: "backup", reason, message });

  const repos = runRepositories(config, run.spec.repositories, profile);
  if (!repos.ok) return void (await fail("RepositoryNotFound", repos.message));
  let generated;
  try {
    generated = buildResticprofileConfig(config.base, repos.repositories, runSpec(profile));
  } catch (err) {
    if (!(err instanceof ProfileConfigError)) throw err;
    return void (await fail("ResticprofileConfigInvalid", `profile "${profile.name}": the resticprofile configuration cannot be generated: ${err.message}`));
  }
  // A dump beside folders is written into the first folder — a clone of a PVC. An NFS or hostPath folder is the
  // application's live data: rafdir never writes there.
  const live = generated.stdinPath ? (status.direct ?? []).find((m) => isWithin(m.mountPath, generated.stdinPath ?? "")) : undefined;
  if (live) {
    return void (await fail(
      "DumpTargetLive",
      `profile "${profile.name}": stdin-command with folders writes its dump into the first folder, ${live.mountPath}, but that is ${live.kind === "nfs" ? "the NFS share" : "the host path"} ${live.source} itself (live data, not a snapshot copy); list a folder on a PVC first`,
    ));
  }
  let stdin: (ExecTarget & { filename: string }) | undefined;
  if (profile.stdin) {
    const target = await stdinTarget(d, profile);
    if (!target.ok) return void (await fail(pascal(target.reason), `profile "${profile.name}": ${target.message}`));
    stdin = { ...target.exec, filename: profile.stdin.filename ?? DEFAULT_STDIN_FILENAME };
  }
  const job = RunnerJob.safeParse(runnerJob({ run: runName, profile, profiles: generated.profiles, ...(stdin ? { stdin } : {}), ...(generated.stdinPath ? { stdinPath: generated.stdinPath } : {}) }));
  if (!job.success) return void (await fail("JobInvalid", `profile "${profile.name}": the runner job is invalid: ${job.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ")}`));

  const id: RunIdent = { run: runName, profile: profile.name, namespace: d.namespace, name: objectName(runName) };
  const objects = [
    runConfigMap(id, generated.yaml, job.data),
    backupPod(id, {
      settings: config.settings.backupPod,
      volumes: status.volumes ?? [],
      direct: status.direct ?? [],
      ...(status.target?.node ? { node: status.target.node } : {}),
      timeoutMs: profile.podWaitTimeoutMs,
      ...(generated.stdinPath ? { stdinPath: generated.stdinPath } : {}),
    }),
  ];
  // Names first: whatever happens next, cleanup (and the janitor) find them on the run.
  run = await patchRunStatus(d, runName, { configMap: id.name, pod: id.name });
  const ensured = await ensureObjects(d, objects);
  if (!ensured.ok) return void (await fail("PodRejected", `profile "${profile.name}": ${ensured.message}`));

  const now = d.now();
  const repositories = Object.keys(repos.repositories).join(", ");
  const what = `${(status.volumes ?? []).length} PVC(s), ${(status.direct ?? []).length} direct mount(s)${stdin ? `, a dump from pod ${stdin.namespace}/${stdin.pod}` : ""}`;
  run = await patchRunStatus(d, runName, {
    phase: "BackingUp",
    steps: { [Steps.podCreated]: now.toISOString() },
    deadline: backupDeadline(now, profile.podWaitTimeoutMs),
    message: `backup pod ${d.namespace}/${id.name} backing up ${what} into ${repositories}`,
  });
  if (ensured.created.length) await recordRunEvent(d, run, "Normal", "BackupStarted", `backup pod ${d.namespace}/${id.name}: ${what} into ${repositories}`);
  d.log.info({ pod: id.name, repositories: Object.keys(repos.repositories), created: ensured.created }, "backup pod created");
  return undefined;
}

async function stdinTarget(deps: FunctionDeps, profile: Profile): Promise<ReturnType<typeof resolveStdinTarget>> {
  return resolveStdinTarget(profile, await observeTarget(deps.kube, profile));
}
