import http from "node:http";
import type { AddressInfo } from "node:net";
import zlib from "node:zlib";
import { fastReads } from "../../server/fastReads";
import { makeApp } from "../support/app";
import { useTestDatabase } from "../support/db";
import { makeSite, makeUser } from "../support/factories";

useTestDatabase();

// The service's HTTP server as server/main.ts builds it: the fast path, then express.
const { app, readCache } = makeApp();
let toExpress = 0;
const fast = fastReads(readCache);
const server = http.createServer((req, res) => {
  if (fast(req, res)) return;
  toExpress++;
  app(req, res);
});
let base: string;
beforeAll(async () => {
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(() => server.close());

function get(path: string, headers: Record<string, string> = {}) {
  return new Promise<{ status: number; headers: http.IncomingHttpHeaders; body: Buffer }>(
    (resolve, reject) => {
      http
        .get(`${base}${path}`, { headers }, (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (c: Buffer) => chunks.push(c));
          res.on("end", () =>
            resolve({ status: res.statusCode!, headers: res.headers, body: Buffer.concat(chunks) }),
          );
        })
        .on("error", reject);
    },
  );
}

async function post(site: string, key: string, body: string) {
  const res = await fetch(`${base}/api/v1/sites/${site}/threads/${key}/comments`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ body, guest: { name: "Ann", email: "ann@example.com" } }),
  });
  expect(res.status).toBe(201);
}

describe("cached pages answered before express", () => {
  it("sends the same bytes and headers as express did, 304 and gzip included", async () => {
    const site = await makeSite();
    for (let i = 0; i < 6; i++) await post(site._id, "fast", `comment ${i} `.repeat(30));
    const path = `/api/v1/sites/${site._id}/threads/fast/comments`;
    const first = await get(path);
    const before = toExpress;
    const again = await get(path);
    expect(toExpress).toBe(before);
    expect(again.body.equals(first.body)).toBe(true);
    const { date: _d1, ...firstHeaders } = first.headers;
    const { date: _d2, ...againHeaders } = again.headers;
    expect(againHeaders).toEqual(firstHeaders);
    expect(again.headers["x-content-type-options"]).toBe("nosniff");

    const notModified = await get(path, { "If-None-Match": first.headers.etag! });
    expect(notModified.status).toBe(304);
    expect(notModified.body.length).toBe(0);
    const zipped = await get(path, { "Accept-Encoding": "gzip, deflate" });
    expect(zipped.headers["content-encoding"]).toBe("gzip");
    expect(zlib.gunzipSync(zipped.body).equals(first.body)).toBe(true);
    expect(toExpress).toBe(before);
  });

  it("leaves signed-in readers and changed pages to express", async () => {
    const site = await makeSite();
    await post(site._id, "fresh", "one");
    const path = `/api/v1/sites/${site._id}/threads/fresh/comments`;
    await get(path);
    await get(path);
    const reader = await makeUser();
    const before = toExpress;
    const signedIn = await get(path, { Authorization: `Bearer ${reader.token}` });
    expect(signedIn.status).toBe(200);
    expect(toExpress).toBe(before + 1);

    await post(site._id, "fresh", "two");
    const changed = await get(path);
    expect(JSON.parse(changed.body.toString()).comments).toHaveLength(2);
    // A new page under the same URL gets its own validator, also when answered before express.
    const replayed = await get(path);
    expect(replayed.headers.etag).toBe(changed.headers.etag);
    expect(replayed.body.equals(changed.body)).toBe(true);
  });
});
