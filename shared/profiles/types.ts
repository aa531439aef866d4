// The normalised rafdir configuration (ConfigMap `rafdir-config`), as every function sees it after
// parseRafdirConfig. Field names are camelCase here; the ConfigMap spells profile options in upstream's kebab-case.

/** A Kubernetes label selector: matchLabels AND every matchExpression (the `metav1.LabelSelector` shape). */
export interface LabelSelector {
  matchLabels: Record<string, string>;
  matchExpressions: LabelRequirement[];
}

export interface LabelRequirement {
  key: string;
  operator: "In" | "NotIn" | "Exists" | "DoesNotExist";
  /** Empty for Exists / DoesNotExist. */
  values: string[];
}

/** What a profile backs up: exactly one kind. "none" = a stdin-only profile whose command pod is `stdin.selector`. */
export type TargetSpec =
  | { kind: "deployment"; name: string }
  | { kind: "statefulset"; name: string }
  | { kind: "selector"; selector: LabelSelector }
  | { kind: "node"; node: string }
  | { kind: "none" };

/** A command run in a pod: argv (an upstream string `cmd` becomes `["sh", "-c", cmd]`) and an optional container. */
export interface ExecSpec {
  command: string[];
  container?: string;
}

/** stdin-command: its output is streamed into restic (or, with folders, written to `folders[0]/filename`). */
export interface StdinSpec extends ExecSpec {
  filename?: string;
  /** Where the command pod lives: `stdin-namespace`, else the profile's namespace. */
  namespace: string;
  /** `stdin-selector`; absent means the profile's own target pod runs the command. */
  selector?: LabelSelector;
}

export interface Profile {
  /** The profile name (DNS-1123 label); also the restic tag. */
  name: string;
  /** Only in the profile list when it is valid; a disabled profile runs when a request names it (upstream). */
  disabled: boolean;
  /** Absent only for node targets. */
  namespace?: string;
  target: TargetSpec;
  /** Absolute, normalised (no trailing slash, no `.`/`..`), in configured order. */
  folders: string[];
  /** restic `--host`: `host`, else the node name (node targets), else the profile name. */
  host: string;
  snapshotClass?: string;
  storageClass?: string;
  /** Scale the deployment/statefulset to 0 while the snapshot is taken. */
  stop: boolean;
  commandBefore?: ExecSpec;
  commandAfter?: ExecSpec;
  stdin?: StdinSpec;
  /** Effective backup-pod timeout: `pod-wait-timeout`, else settings.timeouts.backup. */
  podWaitTimeoutMs: number;
  /** Effective `min-interval`, else settings.minInterval. 0 = no interval check. */
  minIntervalMs: number;
  /** The repositories this profile backs up into: `repositories`, else all, in configuration order. */
  repositories: string[];
  /** Namespaces its snapshots may be restored into: `restore-namespaces`, else its own namespace; "*" is any. */
  restoreNamespaces: string[];
}

/** One validation problem of one profile; the shape of `io.rafdir.config.invalid` data. */
export interface InvalidProfile {
  profile: string;
  /** As written in the ConfigMap: `folders[1]`, `command-before.cmd`, `name`, `(profile)`. */
  field: string;
  /** The offending value, when there is one. */
  value?: unknown;
  /** Self-contained: `profile "db": field "folders[1]": "data/x" is not an absolute path`. */
  message: string;
}

/** A problem with the configuration as a whole (a key missing or unparseable, a bad schedule or repository). */
export interface ConfigError {
  /** The ConfigMap key: `profiles.yaml`, `repositories`, `profiles`, `schedules`, `settings`. */
  key: string;
  message: string;
}

export interface Schedule {
  name: string;
  /** Five-field cron or a descriptor (@daily…), as a PingSource accepts it. */
  cron: string;
  /** IANA zone, canonical spelling. Default Etc/UTC. */
  timeZone: string;
  profiles: string[] | "all";
}

/** How backup and restore pods are built (new in rafdir; upstream hard-coded these). */
export interface BackupPodSettings {
  image: string;
  /** The backup pod's service account (knative/rbac.yaml: may exec a stdin-command in the app's pod). */
  serviceAccountName: string;
  /** The repository password: a key of a Secret in the backup namespace (upstream: rafdir / restic-repo-password). */
  passwordSecret: { name: string; key: string };
  /** Secrets in the backup namespace whose keys all become env (e.g. AWS_ACCESS_KEY_ID for an S3 repository). */
  envFromSecrets: string[];
  /** Extra pod volumes and their mounts (Kubernetes Volume / VolumeMount objects), e.g. an NFS repository. */
  volumes: Array<Record<string, unknown> & { name: string }>;
  volumeMounts: Array<Record<string, unknown> & { name: string; mountPath: string }>;
}

export interface Settings {
  concurrency: number;
  minIntervalMs: number;
  timeouts: { snapshotReadyMs: number; podStartMs: number; backupMs: number };
  history: { succeeded: number; failed: number };
  backupPod: BackupPodSettings;
}

/** A repository's resticprofile section, kept as parsed YAML (it inherits the base configuration). */
export type RepositorySection = Record<string, unknown>;

export interface RafdirConfig {
  profiles: Profile[];
  invalid: InvalidProfile[];
  /** Repository name → resticprofile section, in configuration order. */
  repositories: Record<string, RepositorySection>;
  /** `profiles.yaml` parsed (the resticprofile base file); undefined when missing or unparseable. */
  base?: Record<string, unknown>;
  /** `profiles.yaml` verbatim, for writing it out unchanged. */
  baseText?: string;
  schedules: Schedule[];
  settings: Settings;
  errors: ConfigError[];
}
