import { WriteBatch } from "../../server/writeBatches";

describe("WriteBatch.idle", () => {
  it("resolves once every write added so far is done, as a shutdown needs before closing the database", async () => {
    const written: number[] = [];
    const batch = new WriteBatch<number, void>(
      async (items) => {
        await new Promise((r) => setTimeout(r, 30));
        written.push(...items);
        return items.map(() => undefined);
      },
      2,
      20,
    );
    const posted = [1, 2, 3, 4, 5].map((n) => batch.add(n));
    await batch.idle();
    expect(written).toEqual([1, 2, 3, 4, 5]);
    await Promise.all(posted);
    // Nothing pending: it resolves at once.
    await batch.idle();
  });
});
