// Fault injection for deliveries (one event to one trigger): drop it, or deliver it twice. A rule fires with a
// probability, or on every Nth matching delivery, optionally only for one event type or trigger.
import { z } from "zod";

export const faultRuleSchema = z.strictObject({
  probability: z.number().min(0).max(1).optional(),
  every: z.number().int().min(1).optional(),
  /** Only events of this type (exact). */
  type: z.string().min(1).optional(),
  /** Only deliveries through this trigger ("name" or "namespace/name"). */
  trigger: z.string().min(1).optional(),
});
export type FaultRule = z.infer<typeof faultRuleSchema>;

export const faultsSchema = z.strictObject({ duplicate: faultRuleSchema.optional(), drop: faultRuleSchema.optional() });
export type Faults = z.infer<typeof faultsSchema>;

export interface DeliveryTarget {
  type: string;
  /** "namespace/name" of the trigger. */
  trigger: string;
}

export function ruleApplies(rule: FaultRule, t: DeliveryTarget): boolean {
  if (rule.type !== undefined && rule.type !== t.type) return false;
  if (rule.trigger !== undefined && rule.trigger !== t.trigger && rule.trigger !== t.trigger.slice(t.trigger.indexOf("/") + 1)) return false;
  return true;
}

/** Whether a rule fires for the nth (1-based) delivery it applies to, given a random number in [0,1). */
export function ruleFires(rule: FaultRule, n: number, random: number): boolean {
  if (rule.every !== undefined && n % rule.every === 0) return true;
  return rule.probability !== undefined && random < rule.probability;
}

export interface FaultDecision {
  drop: boolean;
  duplicate: boolean;
}

/** The current rules and their counters (reset whenever the rules change). */
export class FaultInjector {
  private faults: Faults = {};
  private counts = { drop: 0, duplicate: 0 };

  constructor(
    initial: Faults = {},
    private readonly random: () => number = Math.random,
  ) {
    this.set(initial);
  }

  set(faults: Faults): void {
    this.faults = faultsSchema.parse(faults);
    this.counts = { drop: 0, duplicate: 0 };
  }

  get(): Faults {
    return structuredClone(this.faults);
  }

  decide(t: DeliveryTarget): FaultDecision {
    const fire = (which: "drop" | "duplicate"): boolean => {
      const rule = this.faults[which];
      if (!rule || !ruleApplies(rule, t)) return false;
      this.counts[which] += 1;
      return ruleFires(rule, this.counts[which], this.random());
    };
    const drop = fire("drop");
    return { drop, duplicate: !drop && fire("duplicate") };
  }
}
