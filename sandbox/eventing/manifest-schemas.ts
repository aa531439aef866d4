// zod shapes of the Knative objects the local eventing reads: Broker, Trigger, PingSource, ApiServerSource and
// Knative Service. Known fields are typed; unknown fields pass (the real CRDs have many we do not use).
import { z } from "zod";

const stringMap = z.record(z.string(), z.string());

export const metadataSchema = z.looseObject({
  name: z.string().min(1),
  namespace: z.string().min(1).optional(),
  labels: stringMap.optional(),
  annotations: stringMap.optional(),
});

export const destinationSchema = z
  .looseObject({
    ref: z
      .looseObject({
        apiVersion: z.string().optional(),
        kind: z.string().min(1),
        name: z.string().min(1),
        namespace: z.string().min(1).optional(),
      })
      .optional(),
    uri: z.string().min(1).optional(),
  })
  .refine((d) => d.ref !== undefined || d.uri !== undefined, { message: "a destination needs ref or uri" });
export type Destination = z.infer<typeof destinationSchema>;

export const deliverySchema = z.looseObject({
  retry: z.number().int().min(0).optional(),
  backoffPolicy: z.enum(["linear", "exponential"]).optional(),
  backoffDelay: z.string().optional(),
  timeout: z.string().optional(),
  retryAfterMax: z.string().optional(),
  deadLetterSink: destinationSchema.optional(),
});
export type DeliverySpec = z.infer<typeof deliverySchema>;

/** One entry of Trigger `spec.filters` (the "new" filters, GA since Knative 1.15). */
export interface SubscriptionsApiFilter {
  exact?: Record<string, string>;
  prefix?: Record<string, string>;
  suffix?: Record<string, string>;
  all?: SubscriptionsApiFilter[];
  any?: SubscriptionsApiFilter[];
  not?: SubscriptionsApiFilter;
  cesql?: string;
}

export const subscriptionsApiFilterSchema: z.ZodType<SubscriptionsApiFilter> = z.lazy(() =>
  z.strictObject({
    exact: stringMap.optional(),
    prefix: stringMap.optional(),
    suffix: stringMap.optional(),
    all: z.array(subscriptionsApiFilterSchema).optional(),
    any: z.array(subscriptionsApiFilterSchema).optional(),
    not: subscriptionsApiFilterSchema.optional(),
    cesql: z.string().optional(),
  }),
);

export const brokerSchema = z.looseObject({
  apiVersion: z.literal("eventing.knative.dev/v1"),
  kind: z.literal("Broker"),
  metadata: metadataSchema,
  spec: z.looseObject({ delivery: deliverySchema.optional() }).optional(),
});
export type BrokerObject = z.infer<typeof brokerSchema>;

export const triggerSchema = z.looseObject({
  apiVersion: z.literal("eventing.knative.dev/v1"),
  kind: z.literal("Trigger"),
  metadata: metadataSchema,
  spec: z.looseObject({
    broker: z.string().min(1),
    filter: z.looseObject({ attributes: stringMap.optional() }).optional(),
    filters: z.array(subscriptionsApiFilterSchema).optional(),
    subscriber: destinationSchema,
    delivery: deliverySchema.optional(),
  }),
});
export type TriggerObject = z.infer<typeof triggerSchema>;

const ceOverridesSchema = z.looseObject({ extensions: stringMap.optional() });

export const pingSourceSchema = z.looseObject({
  apiVersion: z.literal("sources.knative.dev/v1"),
  kind: z.literal("PingSource"),
  metadata: metadataSchema,
  spec: z
    .looseObject({
      schedule: z.string().min(1).default("* * * * *"),
      timezone: z.string().min(1).optional(),
      contentType: z.string().optional(),
      data: z.string().optional(),
      dataBase64: z.string().optional(),
      sink: destinationSchema,
      ceOverrides: ceOverridesSchema.optional(),
    })
    .refine((s) => s.data === undefined || s.dataBase64 === undefined, { message: "data and dataBase64 are mutually exclusive" }),
});
export type PingSourceObject = z.infer<typeof pingSourceSchema>;

export const labelSelectorSchema = z.looseObject({
  matchLabels: stringMap.optional(),
  matchExpressions: z
    .array(
      z.looseObject({
        key: z.string().min(1),
        operator: z.enum(["In", "NotIn", "Exists", "DoesNotExist"]),
        values: z.array(z.string()).optional(),
      }),
    )
    .optional(),
});
export type LabelSelector = z.infer<typeof labelSelectorSchema>;

export const apiServerSourceSchema = z.looseObject({
  apiVersion: z.literal("sources.knative.dev/v1"),
  kind: z.literal("ApiServerSource"),
  metadata: metadataSchema,
  spec: z.looseObject({
    resources: z
      .array(z.looseObject({ apiVersion: z.string().min(1), kind: z.string().min(1), selector: labelSelectorSchema.optional() }))
      .min(1),
    owner: z.looseObject({ apiVersion: z.string().min(1), kind: z.string().min(1) }).optional(),
    mode: z.enum(["Reference", "Resource"]).default("Reference"),
    serviceAccountName: z.string().optional(),
    namespaceSelector: labelSelectorSchema.optional(),
    sink: destinationSchema,
    ceOverrides: ceOverridesSchema.optional(),
  }),
});
export type ApiServerSourceObject = z.infer<typeof apiServerSourceSchema>;

const envVarSchema = z.looseObject({
  name: z.string().min(1),
  value: z.string().optional(),
  valueFrom: z
    .looseObject({
      fieldRef: z.looseObject({ fieldPath: z.string() }).optional(),
      secretKeyRef: z.looseObject({ name: z.string(), key: z.string(), optional: z.boolean().optional() }).optional(),
      configMapKeyRef: z.looseObject({ name: z.string(), key: z.string(), optional: z.boolean().optional() }).optional(),
    })
    .optional(),
});
export type EnvVar = z.infer<typeof envVarSchema>;

export const containerSchema = z.looseObject({
  name: z.string().optional(),
  image: z.string().min(1),
  command: z.array(z.string()).optional(),
  args: z.array(z.string()).optional(),
  env: z.array(envVarSchema).optional(),
});
export type Container = z.infer<typeof containerSchema>;

export const knativeServiceSchema = z.looseObject({
  apiVersion: z.literal("serving.knative.dev/v1"),
  kind: z.literal("Service"),
  metadata: metadataSchema,
  spec: z.looseObject({
    template: z.looseObject({
      metadata: z.looseObject({ annotations: stringMap.optional(), labels: stringMap.optional() }).optional(),
      spec: z.looseObject({ containers: z.array(containerSchema).min(1), timeoutSeconds: z.number().int().optional() }),
    }),
  }),
});
export type KnativeServiceObject = z.infer<typeof knativeServiceSchema>;
