// A clock that ticks every 30 seconds so relative times ("5 min ago") stay true.

export const clock = $state({ now: Date.now() });

let timer: ReturnType<typeof setInterval> | undefined;

/** Starts ticking (idempotent); returns a function that stops it. */
export function startClock(): () => void {
  if (timer === undefined) timer = setInterval(() => (clock.now = Date.now()), 30_000);
  return () => {
    if (timer !== undefined) clearInterval(timer);
    timer = undefined;
  };
}
