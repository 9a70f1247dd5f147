import request from "supertest";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";

useTestDatabase();

describe("POST /api/v1/sites/:site/threads/:key/comments", () => {
  it("creates the thread on its first comment and lists it", async () => {
    const site = await makeSite();
    const { app } = makeApp();
    const res = await request(app)
      .post(`/api/v1/sites/${site._id}/threads/post-1/comments`)
      .send({ body: "First!", guest: { name: "Ann", email: "ann@example.com" } });
    expect(res.status).toBe(201);
    expect(res.body.html).toBe("<p>First!</p>");
    const list = await request(app).get(`/api/v1/sites/${site._id}/threads/post-1/comments`);
    expect(list.body.comments.map((c: { id: string }) => c.id)).toEqual([res.body.id]);
    expect(list.body.thread.commentCount).toBe(1);
  });
});
