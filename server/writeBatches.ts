/**
 * Writes that posts make together share one round trip to the engine. The embedded engine has one
 * write connection (FerretDB loses concurrent updates otherwise), so posts queue behind each
 * other's writes; a batch turns k waiting writes into one command. Nothing waits for a batch to
 * fill: the first write goes at once, and those that arrive while it runs go together next.
 */
export class WriteBatch<In, Out> {
  private queue: { item: In; resolve: (out: Out) => void; reject: (err: unknown) => void }[] = [];
  private running = false;
  private lastRun = 0;
  private draining: Promise<void> = Promise.resolve();

  /**
   * `run` answers each item of a batch in order: a value, or an Error for that item alone.
   * `spacingMs` holds a batch back until that long after the previous one began: writes nobody
   * waits on then take one command per interval under load, and still go at once when idle.
   */
  constructor(
    private readonly run: (items: In[]) => Promise<(Out | Error)[]>,
    private readonly max = 64,
    private readonly spacingMs = 0,
  ) {}

  add(item: In): Promise<Out> {
    const done = new Promise<Out>((resolve, reject) => this.queue.push({ item, resolve, reject }));
    if (!this.running) this.draining = this.drain();
    return done;
  }

  /** Resolves once every write added so far has been tried (a shutdown waits for this). */
  async idle(): Promise<void> {
    while (this.running || this.queue.length > 0) await this.draining;
  }

  private async drain(): Promise<void> {
    this.running = true;
    while (this.queue.length > 0) {
      const wait = this.lastRun + this.spacingMs - Date.now();
      if (wait > 0) await new Promise((r) => setTimeout(r, wait));
      this.lastRun = Date.now();
      const batch = this.queue.splice(0, this.max);
      try {
        const outs = await this.run(batch.map((b) => b.item));
        batch.forEach((b, i) => {
          const out = outs[i];
          if (out instanceof Error) b.reject(out);
          else b.resolve(out as Out);
        });
      } catch (err) {
        for (const b of batch) b.reject(err);
      }
    }
    this.running = false;
  }
}
