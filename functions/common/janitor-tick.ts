// The janitor tick (PingSource rafdir-janitor, data {"janitor":true}) reaches cleanup, restore and plan; schedule
// ticks reach plan. One check for what a janitor tick is: by its data or its source.
import { InvalidEventError } from "../../shared/errors.ts";

export const JANITOR_PINGSOURCE = "rafdir-janitor";

export const isJanitorTick = (event: { source: string; data: { janitor?: boolean | undefined } }): boolean =>
  event.data.janitor === true || event.source.endsWith(`/pingsources/${JANITOR_PINGSOURCE}`);

/** Throws InvalidEventError unless the ping is the janitor tick. */
export function assertJanitorTick(event: { source: string; data: { janitor?: boolean | undefined } }): void {
  if (isJanitorTick(event)) return;
  throw new InvalidEventError(`ping from ${event.source} is not the janitor tick (PingSource ${JANITOR_PINGSOURCE}); schedule ticks go to rafdir-plan`);
}
