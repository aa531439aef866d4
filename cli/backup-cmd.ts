// `rafdir backup [--profile P]... [--repository R]... [--force]`: asks for a backup by posting
// io.rafdir.backup.requested to the broker (the sandbox's, or --broker URL).
import { createEmitter } from "../shared/cloudevents/emitter.ts";
import { EventTypes, newEvent } from "../shared/events.ts";
import { createLogger } from "../shared/log.ts";
import { readRunInfo } from "./sandbox-cmd.ts";

export interface BackupRequestOptions {
  dir: string;
  broker?: string;
  profiles: string[];
  repositories: string[];
  force: boolean;
}

export function brokerUrlOf(dir: string, broker: string | undefined): string | undefined {
  return broker ?? readRunInfo(dir)?.brokerUrl;
}

export async function backupCommand(opts: BackupRequestOptions): Promise<number> {
  const sink = brokerUrlOf(opts.dir, opts.broker);
  if (!sink) {
    process.stderr.write(`no broker: start the sandbox (rafdir sandbox up --detach) or pass --broker URL\n`);
    return 2;
  }
  const event = newEvent(EventTypes.backupRequested, "/rafdir/cli", {
    ...(opts.profiles.length > 0 ? { profiles: opts.profiles } : {}),
    ...(opts.repositories.length > 0 ? { repositories: opts.repositories } : {}),
    ...(opts.force ? { force: true } : {}),
  });
  const log = createLogger({ name: "rafdir-cli", level: "warn" });
  const { status } = await createEmitter({ sink, log }).emit(event);
  const what = opts.profiles.length > 0 ? `profiles ${opts.profiles.join(", ")}` : "all due profiles";
  process.stdout.write(`backup requested for ${what}${opts.force ? " (forced)" : ""}: event ${event.id} accepted (${status})\n`);
  process.stdout.write(`follow it with: rafdir events --follow   or   kubectl -n backup get backupruns -w\n`);
  return 0;
}
