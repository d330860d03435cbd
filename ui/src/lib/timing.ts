// Debounce delays, in one place so tests can shorten them.

export const timing = {
  /** After the last keystroke, before the query is validated. */
  validateMs: 250,
  /** After the last change, before a rule is test-run over the archive. */
  previewMs: 500,
  /** After the last keystroke in the article search box, before searching. */
  searchMs: 300,
  /** How long a freshly arrived alert stays highlighted. */
  freshMs: 4000,
};

/** Returns a function that runs `fn` once calls stop for `ms()` milliseconds. */
export function debounce<A extends unknown[]>(fn: (...args: A) => void, ms: () => number) {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const run = (...args: A) => {
    if (timer !== undefined) clearTimeout(timer);
    timer = setTimeout(() => {
      timer = undefined;
      fn(...args);
    }, ms());
  };
  run.cancel = () => {
    if (timer !== undefined) clearTimeout(timer);
    timer = undefined;
  };
  return run;
}
