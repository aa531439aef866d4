// The janitor tick (PingSource rafdir-janitor, data {"janitor":true}) reaches cleanup and restore; schedule ticks
// reach plan. One check for both janitors: anything else is a 400.
import { InvalidEventError } from "../../shared/errors.ts";

export const JANITOR_PINGSOURCE = "rafdir-janitor";

/** Throws InvalidEventError unless the ping is the janitor tick. */
export function assertJanitorTick(event: { source: string; data: { janitor?: boolean | undefined } }): void {
  if (event.data.janitor === true || event.source.endsWith(`/pingsources/${JANITOR_PINGSOURCE}`)) return;
  throw new InvalidEventError(`ping from ${event.source} is not the janitor tick (PingSource ${JANITOR_PINGSOURCE}); schedule ticks go to rafdir-plan`);
}
