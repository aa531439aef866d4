// The part of an ApiServerSource object (Resource mode: data = the object) that routes it to a run: kind, name,
// namespace, labels — and the run it belongs to when rafdir created it. One reading for every function.
import { z } from "zod";
import { InvalidEventError } from "../../shared/errors.ts";
import { Labels, MANAGED_BY } from "../../shared/runs/run.ts";

const ObjectHead = z.looseObject({
  kind: z.string().min(1),
  metadata: z.looseObject({ name: z.string().min(1), namespace: z.string().optional(), labels: z.record(z.string(), z.string()).optional() }),
});

export interface ResourceHead {
  kind: string;
  name: string;
  namespace?: string;
  labels: Record<string, string>;
  /** The rafdir.io/run label of an object labelled managed-by=rafdir; undefined for anything else. */
  run?: string;
  /** `namespace/name`, for logs. */
  where: string;
}

/** Reads the object of an ApiServerSource event; InvalidEventError (400) when it is not a Kubernetes object. */
export function resourceHead(event: { id: string; data: unknown }): ResourceHead {
  const head = ObjectHead.safeParse(event.data);
  if (!head.success) throw new InvalidEventError(`ApiServerSource event ${event.id}: data is not a Kubernetes object with kind and metadata.name`);
  const { kind, metadata } = head.data;
  const labels = metadata.labels ?? {};
  const run = labels[Labels.managedBy] === MANAGED_BY ? labels[Labels.run] : undefined;
  return {
    kind,
    name: metadata.name,
    ...(metadata.namespace !== undefined ? { namespace: metadata.namespace } : {}),
    labels,
    ...(run ? { run } : {}),
    where: `${metadata.namespace ?? ""}/${metadata.name}`,
  };
}
