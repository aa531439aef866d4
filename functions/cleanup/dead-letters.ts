// POST /dead-letters: the Broker's dead-letter sink (knative/broker.yaml). A dead-lettered event keeps its type and
// data and gains knativeerrordest / knativeerrorcode / knativeerrordata. Its run is torn down as aborted (step
// "delivery") with a message naming the event and where it failed — unless the event still means what it said
// (pod.finished, backup.aborted) or the run is already past its step (decide.ts deadLetterPlan). An event without
// a run is only logged. Any readable CloudEvent is accepted — a dead letter may be the very event a function
// refused — and the outcome goes out through the emitter (a dead-letter sink's reply goes nowhere).
import { randomUUID } from "node:crypto";
import type { Request, Response } from "express";
import { eventLogFields, readEvent, short } from "../../shared/cloudevents/message.ts";
import { isTransient, TransientError } from "../../shared/errors.ts";
import { runAndProfileOf } from "../../shared/events.ts";
import { parseStatus } from "../../shared/runs/run.ts";
import { getRun, type FunctionDeps } from "../common/index.ts";
import { deadLetterPlan } from "./decide.ts";
import { finishRun } from "./finish.ts";
import { deliveryError } from "./messages.ts";

export function deadLetterHandler(deps: FunctionDeps, newToken: () => string = randomUUID) {
  return async (req: Request, res: Response): Promise<void> => {
    const read = readEvent(req.headers, req.body);
    if (!read.ok) {
      deps.log.warn({ reason: read.reason }, "dead letter unreadable");
      return void res.status(400).type("text/plain").send(short(read.reason));
    }
    const event = read.event;
    const log = deps.log.child({ ...eventLogFields(event), deadLetter: true });
    const attrs = { dest: event["knativeerrordest"], code: event["knativeerrorcode"], data: event["knativeerrordata"] };
    const { run } = runAndProfileOf(event);
    if (!run) {
      log.warn({ dest: attrs.dest, code: attrs.code }, "dead letter without a run: logged only");
      return void res.status(202).end();
    }
    try {
      const found = await getRun(deps, run);
      const plan = found ? deadLetterPlan(event.type, event.data, parseStatus(found), deliveryError(event.type, attrs)) : { kind: "ignore" as const, reason: "BackupRun not found" };
      if (plan.kind === "ignore") {
        log.info({ reason: plan.reason, dest: attrs.dest, code: attrs.code }, "dead letter: nothing to do for its run");
        return void res.status(202).end();
      }
      log.warn({ cause: plan.cause.kind, ...(plan.cause.kind === "aborted" ? { message: plan.cause.error.message } : {}) }, "dead letter: ending its run");
      const outcome = await finishRun({ ...deps, log }, run, plan.cause, { token: newToken() });
      if (outcome) {
        try {
          await deps.emit(outcome);
        } catch (err) {
          log.error({ err }, "outcome recorded on the run but not sent");
        }
      }
      res.status(202).end();
    } catch (err) {
      log[isTransient(err) ? "info" : "error"]({ err }, "dead letter not handled yet");
      const retryAfter = err instanceof TransientError ? err.retryAfterSeconds : undefined;
      if (retryAfter !== undefined) res.set("retry-after", String(Math.ceil(retryAfter)));
      res.status(503).type("text/plain").send("transient failure, retry later");
    }
  };
}
