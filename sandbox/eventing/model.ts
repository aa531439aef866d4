// From loaded manifests to what the local eventing runs: brokers, triggers with compiled filters and effective
// delivery, PingSources with parsed schedules, ApiServerSources. Every semantic problem (bad filter, duration,
// schedule, selector) is collected and thrown as one ManifestError naming file and object.
import { apiSourceRuntime, type ApiSourceRuntime } from "./apiserversource.ts";
import { DEFAULT_BROKER_DELIVERY, effectiveDelivery, type EffectiveDelivery } from "./delivery-policy.ts";
import { compileTriggerFilter, type Predicate } from "./filters.ts";
import type { DeliverySpec, Destination, KnativeServiceObject } from "./manifest-schemas.ts";
import { ManifestError, type EventingManifests, type Sourced } from "./manifests.ts";
import { parseSchedule, pingRuntime, type PingRuntime } from "./pingsource.ts";

export interface BrokerModel {
  key: string;
  delivery: DeliverySpec;
}

export interface TriggerModel {
  key: string;
  namespace: string;
  name: string;
  broker: string;
  match: Predicate;
  subscriber: Destination;
  delivery: EffectiveDelivery;
  origin: string;
}

export interface EventingModel {
  brokers: Map<string, BrokerModel>;
  triggers: TriggerModel[];
  pingSources: PingRuntime[];
  apiServerSources: ApiSourceRuntime[];
  services: Sourced<KnativeServiceObject>[];
  warnings: string[];
}

export interface ModelOptions {
  /** Created (with a warning) when the manifests define no broker at all, e.g. "backup/rafdir". */
  fallbackBroker?: string;
}

export function compileModel(m: EventingManifests, opts: ModelOptions = {}): EventingModel {
  const problems: string[] = [];
  const warnings: string[] = [];
  const brokers = new Map<string, BrokerModel>();
  for (const b of m.brokers) {
    const key = `${b.namespace}/${b.name}`;
    const delivery = b.object.spec?.delivery ?? DEFAULT_BROKER_DELIVERY;
    const eff = effectiveDelivery(undefined, delivery);
    if ("errors" in eff) for (const e of eff.errors) problems.push(`${b.origin}: Broker ${key}: spec.${e}`);
    brokers.set(key, { key, delivery });
  }
  if (brokers.size === 0 && opts.fallbackBroker) {
    warnings.push(`no Broker in the manifests; serving ${opts.fallbackBroker} with Knative's default delivery`);
    brokers.set(opts.fallbackBroker, { key: opts.fallbackBroker, delivery: DEFAULT_BROKER_DELIVERY });
  }
  const triggers: TriggerModel[] = [];
  for (const t of m.triggers) {
    const key = `${t.namespace}/${t.name}`;
    const label = `${t.origin}: Trigger ${key}`;
    const filter = compileTriggerFilter(t.object.spec);
    if (!filter.ok) for (const e of filter.errors) problems.push(`${label}: spec.${e}`);
    const broker = `${t.namespace}/${t.object.spec.broker}`;
    const b = brokers.get(broker);
    if (!b) warnings.push(`${label}: broker ${broker} does not exist; the trigger never fires`);
    const delivery = effectiveDelivery(t.object.spec.delivery, b?.delivery);
    if ("errors" in delivery) for (const e of delivery.errors) problems.push(`${label}: spec.${e}`);
    if (filter.ok && !("errors" in delivery)) {
      triggers.push({ key, namespace: t.namespace, name: t.name, broker, match: filter.match, subscriber: t.object.spec.subscriber, delivery, origin: t.origin });
    }
  }
  const pingSources: PingRuntime[] = [];
  for (const p of m.pingSources) {
    const schedule = parseSchedule(p.object.spec.schedule, p.object.spec.timezone);
    if ("error" in schedule) problems.push(`${p.origin}: PingSource ${p.namespace}/${p.name}: spec.schedule: ${schedule.error}`);
    else pingSources.push(pingRuntime(p.object, p.namespace, schedule));
  }
  const apiServerSources: ApiSourceRuntime[] = [];
  for (const a of m.apiServerSources) {
    try {
      apiServerSources.push(apiSourceRuntime(a.object, a.namespace));
    } catch (e) {
      problems.push(`${a.origin}: ApiServerSource ${a.namespace}/${a.name}: ${e instanceof Error ? e.message : String(e)}`);
    }
  }
  if (problems.length > 0) throw new ManifestError(problems);
  return { brokers, triggers, pingSources, apiServerSources, services: m.services, warnings };
}
