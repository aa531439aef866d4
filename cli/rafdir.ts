// The `rafdir` command line.
import { parseArgs } from "node:util";
import { backupCommand } from "./backup-cmd.ts";
import { demoCommand } from "./demo-cmd.ts";
import { eventsCommand } from "./events-cmd.ts";
import { DEFAULT_SANDBOX_DIR, sandboxDown, sandboxStatus, sandboxUp } from "./sandbox-cmd.ts";

const USAGE = `usage:
  rafdir demo [--dir DIR]                    the main job on the sandbox: deploy an app, back it up, restore and verify
  rafdir sandbox up [--dir DIR] [--detach]   start the local Kubernetes stand-in (default dir ${DEFAULT_SANDBOX_DIR})
  rafdir sandbox down [--dir DIR]            stop it (objects and volumes are kept)
  rafdir sandbox status [--dir DIR]          show where it listens and its kubeconfig
  rafdir events [--dir DIR] [--follow]       the events that passed the sandbox broker, and what became of them
  rafdir backup [--profile P]... [--repository R]... [--force] [--broker URL]
                                             ask for a backup now (all due profiles when none is named)
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
  process.stderr.write(`unknown command: ${positionals.join(" ")}\n${USAGE}`);
  return 2;
}
