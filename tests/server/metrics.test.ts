import request from "supertest";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite } from "../support/factories";
import { nextEvent, startInstance } from "../realtime/instance";

useTestDatabase();

const value = (text: string, metric: string, labels: string) => {
  const line = text.split("\n").find((l) => l.startsWith(`${metric}{`) && l.includes(labels));
  return line ? Number(line.slice(line.lastIndexOf(" ") + 1)) : undefined;
};

describe("GET /metrics", () => {
  it("counts requests by express route and status, database commands, sockets and events", async () => {
    const { app } = makeApp();
    const site = await makeSite();
    const post = () =>
      request(app)
        .post(`/api/v1/sites/${site._id}/threads/metric-a/comments`)
        .send({ body: "Counted", guest: { name: "M", email: "m@example.com" } });
    expect((await post()).status).toBe(201);
    expect((await post()).status).toBe(201);
    await request(app).get(`/api/v1/sites/${site._id}/threads/metric-b`);
    await request(app).get("/api/v1/no/such/thing");

    const instance = await startInstance();
    const socket = await instance.connect();
    const joined = await socket.emitWithAck("thread:join", { site: site._id, key: "metric-a" });
    expect(joined.ok).toBe(true);
    const created = nextEvent(socket, "comment:created");
    await instance.request("POST", `/api/v1/sites/${site._id}/threads/metric-a/comments`, {
      body: "Live",
      guest: { name: "L", email: "l@example.com" },
    });
    await created;

    const res = await request(app).get("/metrics");
    expect(res.status).toBe(200);
    expect(res.headers["content-type"]).toMatch(/^text\/plain/);
    const text = res.text;
    const route = 'route="/api/v1/sites/:site/threads/:key/comments",status="201"';
    expect(
      value(text, "http_request_duration_seconds_count", `method="POST",${route}`),
    ).toBeGreaterThanOrEqual(2);
    expect(
      value(
        text,
        "http_request_duration_seconds_count",
        'route="/api/v1/sites/:site/threads/:key",status="200"',
      ),
    ).toBeGreaterThanOrEqual(1);
    // Unmatched URLs share one label: no series per URL.
    expect(text).not.toContain("no/such/thing");
    expect(
      value(text, "http_request_duration_seconds_count", 'route="unmatched",status="404"'),
    ).toBeGreaterThanOrEqual(1);
    expect(
      value(text, "db_command_duration_seconds_count", 'command="insert",outcome="ok"'),
    ).toBeGreaterThan(0);
    expect(text).toMatch(/^socketio_connected_sockets [1-9]/m);
    expect(text).toMatch(/^socketio_rooms [1-9]/m);
    expect(
      value(text, "socketio_events_sent_total", 'event="comment:created"'),
    ).toBeGreaterThanOrEqual(1);
    expect(text).toMatch(/^process_resident_memory_bytes /m);
    socket.disconnect();
    await instance.stop();
  });

  it("answers a forwarded request only with METRICS_TOKEN", async () => {
    const { app } = makeApp({ METRICS_TOKEN: "s3cret-metrics-token" });
    const forwarded = () => request(app).get("/metrics").set("X-Forwarded-For", "203.0.113.9");
    const refused = await forwarded();
    expect(refused.status).toBe(401);
    expect(refused.body.error.code).toBe("unauthenticated");
    expect((await forwarded().set("Authorization", "Bearer wrong")).status).toBe(401);
    expect((await forwarded().set("Authorization", "Bearer s3cret-metrics-token")).status).toBe(
      200,
    );
    const noToken = makeApp().app;
    expect(
      (await request(noToken).get("/metrics").set("X-Forwarded-For", "203.0.113.9")).status,
    ).toBe(401);
  });
});
