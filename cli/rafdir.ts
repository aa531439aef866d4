// The `rafdir` command line.
import { parseArgs } from "node:util";
import { backupCommand } from "./backup-cmd.ts";
import { demoCommand } from "./demo-cmd.ts";
import { eventsCommand } from "./events-cmd.ts";
import { restoreCommand } from "./restore-cmd.ts";
import { DEFAULT_SANDBOX_DIR, sandboxDown, sandboxStatus, sandboxUp } from "./sandbox-cmd.ts";

const USAGE = `usage:
  rafdir demo [--dir DIR]                    the main job on the sandbox: deploy an app, back it up, restore and verify
  rafdir sandbox up [--dir DIR] [--detach]   start the local Kubernetes stand-in (default dir ${DEFAULT_SANDBOX_DIR})
  rafdir sandbox down [--dir DIR]            stop it (objects and volumes are kept)
  rafdir sandbox status [--dir DIR]          show where it listens and its kubeconfig
  rafdir events [--dir DIR] [--follow]       the events that passed the sandbox broker, and what became of them
  rafdir backup [--profile P]... [--repository R]... [--force] [--broker URL]
                                             ask for a backup now (all due profiles when none is named)
  rafdir restore --profile P --namespace NS --pvc NAME [--snapshot ID] [--path DIR] [--repository R]
                 [--storage-class C] [--size 10Gi] [--existing [--force]] [--no-wait] [--broker URL]
                                             restore a snapshot (default: the profile's latest) into a new PVC,
                                             or replace an existing PVC's contents (--existing); waits for the end
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: "string", default: DEFAULT_SANDBOX_DIR },
      detach: { type: "boolean", short: "d", default: false },
      follow: { type: "boolean", short: "f", default: false },
      profile: { type: "string", short: "p", multiple: true, default: [] },
      repository: { type: "string", short: "r", multiple: true, default: [] },
      force: { type: "boolean", default: false },
      broker: { type: "string" },
      namespace: { type: "string", short: "n" },
      pvc: { type: "string" },
      snapshot: { type: "string" },
      path: { type: "string" },
      "storage-class": { type: "string" },
      size: { type: "string" },
      existing: { type: "boolean", default: false },
      "no-wait": { type: "boolean", default: false },
      help: { type: "boolean", short: "h", default: false },
    },
  });
  const [group, command] = positionals;
  if (values.help || !group) {
    process.stdout.write(USAGE);
    return values.help ? 0 : 2;
  }
  if (group === "sandbox") {
    switch (command) {
      case "up":
        return sandboxUp(values.dir, values.detach);
      case "down":
        return sandboxDown(values.dir);
      case "status":
        return sandboxStatus(values.dir);
      default:
        break;
    }
  }
  if (group === "demo") return demoCommand(values.dir);
  if (group === "events") return eventsCommand(values.dir, values.follow);
  if (group === "backup") {
    return backupCommand({ dir: values.dir, broker: values.broker, profiles: values.profile, repositories: values.repository, force: values.force });
  }
  if (group === "restore") {
    if (values.profile.length !== 1 || values.repository.length > 1) {
      process.stderr.write(`rafdir restore: name exactly one --profile (and at most one --repository)\n`);
      return 2;
    }
    return restoreCommand({
      dir: values.dir,
      broker: values.broker,
      profile: values.profile[0],
      namespace: values.namespace,
      pvc: values.pvc,
      snapshot: values.snapshot,
      path: values.path,
      repository: values.repository[0],
      storageClass: values["storage-class"],
      size: values.size,
      existing: values.existing,
      force: values.force,
      wait: !values["no-wait"],
    });
  }
  process.stderr.write(`unknown command: ${positionals.join(" ")}\n${USAGE}`);
  return 2;
}
