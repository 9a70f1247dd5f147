/**
 * What an instance keeps a few seconds, for reads every request makes of things that change
 * rarely (sites, ban lookups, closed threads): entries expire after `ttlMs`, and past `max`
 * entries the oldest goes first, so memory stays bounded whatever the traffic.
 */
export class KeptFor<V> {
  private readonly entries = new Map<string, { value: V; at: number }>();

  constructor(
    private readonly ttlMs: number,
    private readonly max = 10_000,
  ) {}

  get(key: string): V | undefined {
    const kept = this.entries.get(key);
    return kept && Date.now() - kept.at < this.ttlMs ? kept.value : undefined;
  }

  set(key: string, value: V): void {
    if (this.entries.size >= this.max) this.entries.delete(this.entries.keys().next().value!);
    this.entries.set(key, { value, at: Date.now() });
  }

  /** Forgets one entry, and only if it is still `value` when one is given. */
  delete(key: string, value?: V): void {
    if (value === undefined || this.entries.get(key)?.value === value) this.entries.delete(key);
  }

  /** Forgets every entry whose key starts with `prefix`. */
  deletePrefix(prefix: string): void {
    for (const key of [...this.entries.keys()])
      if (key.startsWith(prefix)) this.entries.delete(key);
  }
}
