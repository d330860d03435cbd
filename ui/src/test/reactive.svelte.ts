/** Wraps a plain object in Svelte state, as a list in a view would hold it. */
export function reactive<T extends object>(value: T): T {
  const proxy = $state(value);
  return proxy;
}
