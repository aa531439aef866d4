// The `rafdir` command line.
import { parseArgs } from "node:util";
import { eventsCommand } from "./events-cmd.ts";
import { DEFAULT_SANDBOX_DIR, sandboxDown, sandboxStatus, sandboxUp } from "./sandbox-cmd.ts";

const USAGE = `usage:
  rafdir sandbox up [--dir DIR] [--detach]   start the local Kubernetes stand-in (default dir ${DEFAULT_SANDBOX_DIR})
  rafdir sandbox down [--dir DIR]            stop it (objects and volumes are kept)
  rafdir sandbox status [--dir DIR]          show where it listens and its kubeconfig
  rafdir events [--dir DIR] [--follow]       the events that passed the sandbox broker, and what became of them
`;

export async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      dir: { type: "string", default: DEFAULT_SANDBOX_DIR },
      detach: { type: "boolean", short: "d", default: false },
      follow: { type: "boolean", short: "f", default: false },
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
  if (group === "events") return eventsCommand(values.dir, values.follow);
  process.stderr.write(`unknown command: ${positionals.join(" ")}\n${USAGE}`);
  return 2;
}
