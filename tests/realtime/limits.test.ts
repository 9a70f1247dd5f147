import { DEFAULT_LIMITS, takeToken } from "../../server/realtime/limits";
import { parseThreadRoom, threadRoom } from "../../server/realtime/rooms";

describe("takeToken", () => {
  it("allows a burst, refuses beyond it, and refills with time", () => {
    const limits = { ...DEFAULT_LIMITS, burst: 3, eventsPerSecond: 2 };
    const bucket = { tokens: 3, refilledAt: 1_000 };
    expect([1, 2, 3, 4].map(() => takeToken(bucket, limits, 1_000))).toEqual([
      true,
      true,
      true,
      false,
    ]);
    // Half a second at 2 a second gives one token back, not more.
    expect(takeToken(bucket, limits, 1_500)).toBe(true);
    expect(takeToken(bucket, limits, 1_500)).toBe(false);
    // A long pause refills up to the burst only.
    const after = 100_000;
    expect([1, 2, 3, 4].map(() => takeToken(bucket, limits, after))).toEqual([
      true,
      true,
      true,
      false,
    ]);
  });
});

describe("threadRoom", () => {
  it("keeps keys with colons from forging another thread's room", () => {
    expect(threadRoom("a", "b:c")).not.toBe(threadRoom("a:b", "c"));
    expect(parseThreadRoom(threadRoom("site", "post:1/2 ü"))).toEqual({
      site: "site",
      key: "post:1/2 ü",
    });
    expect(parseThreadRoom("moderation:site")).toBeNull();
  });
});
