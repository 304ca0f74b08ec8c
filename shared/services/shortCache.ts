/**
 * Values a warm Lambda instance keeps for a short time, per key (the interlock's services and
 * targets, the dispatcher's hooks). Only values `keep` accepts are stored, so what must take
 * effect at once (a newly tagged service, a re-enabled hook) is never served from here.
 */
export class ShortCache<V> {
  private readonly entries = new Map<string, { value: V; expires: number }>();
  constructor(
    private readonly ttlMs: number,
    private readonly clock: () => number,
  ) {}

  async get(key: string, load: () => Promise<V>, keep: (value: V) => boolean): Promise<V> {
    const hit = this.entries.get(key);
    if (hit && hit.expires > this.clock()) return hit.value;
    const value = await load();
    if (this.ttlMs > 0 && keep(value)) this.entries.set(key, { value, expires: this.clock() + this.ttlMs });
    else this.entries.delete(key);
    return value;
  }

  /** Applies what this instance just wrote to a kept value, without extending its time. */
  update(key: string, change: (value: V) => V): void {
    const hit = this.entries.get(key);
    if (hit) hit.value = change(hit.value);
  }

  /** The next `get` of this key loads afresh. */
  forget(key: string): void {
    this.entries.delete(key);
  }
}
