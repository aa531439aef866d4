// Knative's delivery retry rules (reference/knative.md §1 "Delivery"; eventing pkg/kncloudevents/retries.go):
// network errors, 404, 408, 409, 429 and 5xx are retried; any other 4xx (and 3xx) is final; any 2xx is success.

export function isRetryableStatus(status: number): boolean {
  return status === 404 || status === 408 || status === 409 || status === 429 || status >= 500;
}

export function isSuccessStatus(status: number): boolean {
  return status >= 200 && status < 300;
}

/** Exponential backoff like Knative's: base, 2·base, 4·base… for retry k = 0, 1, 2…, capped at max. */
export function backoffDelay(retry: number, baseMs: number, maxMs: number): number {
  return Math.min(maxMs, baseMs * 2 ** retry);
}

/** A Retry-After header in seconds (the HTTP-date form is ignored), as milliseconds. */
export function retryAfterMs(header: string | null | undefined): number | undefined {
  if (!header || !/^\d+$/.test(header.trim())) return undefined;
  return Number(header.trim()) * 1000;
}
