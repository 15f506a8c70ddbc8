/** Builds a value on first use and keeps it: the composition root runs once per cold start. */
export function lazy<T>(build: () => T): () => T {
  let value: { built: T } | undefined;
  return () => (value ??= { built: build() }).built;
}
