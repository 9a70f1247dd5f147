import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import { startRedis, type TestRedis } from "../support/redis";
import { ask, nextEvent, postComment, startInstance, type Instance } from "./instance";

useTestDatabase();

let redis: TestRedis;
let instance: Instance;
beforeAll(async () => {
  redis = await startRedis();
  instance = await startInstance({ redisUrl: redis.url });
}, 180_000);
afterAll(async () => {
  await instance?.stop();
  await redis?.stop();
});

describe("an instance whose Redis goes away", () => {
  it("keeps serving its own readers and its HTTP API", async () => {
    const site = await makeSite();
    const socket = await instance.connect();
    await ask(socket, "thread:join", { site: site._id, key: "outage" });
    await redis.stop();

    for (const body of ["first", "second"]) {
      const arrived = nextEvent<{ comment: { id: string } }>(socket, "comment:created");
      const posted = await postComment(instance, site._id, "outage", body);
      expect(posted.status).toBe(201);
      expect((await arrived).comment.id).toBe(posted.body.id);
      // Long enough for the client's retries to give up on the cross-instance publish.
      await new Promise((r) => setTimeout(r, 1500));
    }
    expect(socket.connected).toBe(true);
    expect((await instance.request("GET", "/healthz")).status).toBe(200);
  });
});
