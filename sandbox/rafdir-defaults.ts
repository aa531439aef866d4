// What `rafdir sandbox up` adds for rafdir itself: its CRDs, the backup namespace with `rafdir-config`, and a local
// restic repository (initialised) whose password lives in a Secret — so a backup can run right away.
import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, readdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import type { Api } from "./apiserver/api.ts";
import type { KObject } from "./apiserver/types.ts";
import { ensure } from "./bootstrap.ts";
import { nfsDir } from "./controllers/paths.ts";

export const BACKUP_NAMESPACE = "backup";
/** The sandbox's stand-in NFS export that holds the repository (mounted into backup pods). */
export const REPO_NFS = { server: "sandbox", path: "/restic-repo" };
export const REPO_MOUNT_PATH = "/mnt/restic-repo";

export interface RepositoryInfo {
  /** The repository on this machine: `restic -r <path> --password-file <passwordFile> snapshots`. */
  path: string;
  passwordFile: string;
}

const BASE_CONFIGURATION = `version: "1"

default_configuration:
  backup:
    exclude-caches: true
`;

function defaultConfigMap(): KObject {
  return {
    apiVersion: "v1",
    kind: "ConfigMap",
    metadata: { name: "rafdir-config", namespace: BACKUP_NAMESPACE },
    data: {
      "profiles.yaml": BASE_CONFIGURATION,
      repositories: `local:\n  inherit: default_configuration\n  repository: "${REPO_MOUNT_PATH}"\n`,
      profiles: "{}\n",
      settings: [
        "backupPod:",
        "  volumes:",
        `    - {name: restic-repo, nfs: {server: ${REPO_NFS.server}, path: ${REPO_NFS.path}}}`,
        "  volumeMounts:",
        `    - {name: restic-repo, mountPath: ${REPO_MOUNT_PATH}}`,
        "",
      ].join("\n"),
    },
  };
}

export function installRafdirDefaults(api: Api, opts: { dir: string; dataDir: string; projectRoot: string }): RepositoryInfo {
  const crdDir = join(opts.projectRoot, "knative", "crds");
  for (const file of readdirSync(crdDir).filter((f) => f.endsWith(".yaml")).sort()) {
    ensure(api, parseYaml(readFileSync(join(crdDir, file), "utf8")) as KObject);
  }
  ensure(api, { apiVersion: "v1", kind: "Namespace", metadata: { name: BACKUP_NAMESPACE } });

  const passwordFile = join(opts.dir, "repository.password");
  if (!existsSync(passwordFile)) writeFileSync(passwordFile, randomBytes(24).toString("base64url"), { mode: 0o600 });
  const password = readFileSync(passwordFile, "utf8").trim();
  ensure(api, {
    apiVersion: "v1",
    kind: "Secret",
    metadata: { name: "rafdir", namespace: BACKUP_NAMESPACE },
    type: "Opaque",
    data: { "restic-repo-password": Buffer.from(password).toString("base64") },
  });

  const path = nfsDir(opts.dataDir, REPO_NFS.server, REPO_NFS.path);
  if (!existsSync(join(path, "config"))) {
    mkdirSync(path, { recursive: true });
    const restic = join(opts.projectRoot, ".tools", "bin", "restic");
    execFileSync(restic, ["init", "--repo", path, "--password-file", passwordFile], { stdio: ["ignore", "ignore", "pipe"] });
  }
  ensure(api, defaultConfigMap());
  return { path, passwordFile };
}
