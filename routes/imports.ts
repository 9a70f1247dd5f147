import { Readable, pipeline, Transform } from "node:stream";
import zlib from "node:zlib";
import { Router } from "express";
import type { Config } from "../config";
import { Import } from "../models/Import";
import { isDuplicateKey } from "../server/database";
import {
  ForbiddenError,
  NotFoundError,
  PayloadTooLargeError,
  UnauthenticatedError,
  UnsupportedMediaTypeError,
  ValidationError,
  ConflictError,
} from "../server/errors";
import type { DomainEvents } from "../server/events";
import { exportSite } from "../server/imports/exporter";
import { presentImport, runImport, sniffFormat, startImport } from "../server/imports/importer";
import { presentSettings, requireAdmin } from "../server/services/moderation";
import { createSite, getSite } from "../server/services/sites";
import { parse } from "../server/validation";
import { importParams, importQuery, newSiteBody } from "./imports.schema";
import { siteParams } from "./threads.schema";

/** Whether a request is an import's upload, whose body is the file itself (never JSON-parsed). */
export const isImportUpload = (req: { method: string; path: string }) =>
  req.method === "POST" && /^\/sites\/[^/]+\/imports\/?$/.test(req.path);

/** Yields the first chunks until `n` bytes are seen, then all of the stream again from its start. */
async function peek(source: AsyncIterable<Buffer>, n: number) {
  const it = source[Symbol.asyncIterator]();
  const head: Buffer[] = [];
  let size = 0;
  let done = false;
  while (size < n) {
    const r = await it.next();
    if (r.done) {
      done = true;
      break;
    }
    head.push(r.value);
    size += r.value.length;
  }
  async function* all() {
    yield* head;
    if (done) return;
    for (let r = await it.next(); !r.done; r = await it.next()) yield r.value;
  }
  return { head: Buffer.concat(head), stream: all() };
}

/** Site creation, imports into a site, and its export (shared/API.md "Import and export"). */
export function importsRouter(deps: { events: DomainEvents; config: Config }): Router {
  const router = Router();

  router.post("/sites", async (req, res) => {
    if (!req.viewer.user) throw new UnauthenticatedError();
    if (!req.viewer.user.adminOfAllSites)
      throw new ForbiddenError("Only admins of every site (ADMIN_IDENTITIES) create sites.");
    const body = parse(newSiteBody, req.body);
    try {
      const site = await createSite(body.id, body.name, [...new Set(body.origins)]);
      res.status(201).json(presentSettings(site));
    } catch (err) {
      if (isDuplicateKey(err)) throw new ConflictError(`There is already a site "${body.id}".`);
      throw err;
    }
  });

  router.post("/sites/:site/imports", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    requireAdmin(req.viewer, site);
    await getSite(site);
    const query = parse(importQuery, req.query, "query");
    const max = deps.config.importMaxBytes;
    if (Number(req.get("content-length") ?? 0) > max) {
      throw new PayloadTooLargeError(`An import may be at most ${max} bytes.`);
    }
    const encoding = (req.get("content-encoding") ?? "identity").trim().toLowerCase();
    if (!["identity", "gzip", "x-gzip"].includes(encoding)) {
      throw new UnsupportedMediaTypeError("Send the file as it is, or gzip-compressed.");
    }
    // Decompressed bytes count too: a small gzip body may unpack to far more than the limit.
    let tooLarge = false;
    let seen = 0;
    const limit = new Transform({
      transform(chunk: Buffer, _enc, done) {
        seen += chunk.length;
        if (seen > max) {
          tooLarge = true;
          done(new PayloadTooLargeError(`An import may be at most ${max} bytes.`));
        } else done(null, chunk);
      },
    });
    const body: Readable =
      encoding === "identity"
        ? pipeline(req, limit, () => undefined)
        : pipeline(req, zlib.createGunzip(), limit, () => undefined);
    const { head, stream } = await peek(body, 4096);
    if (head.length === 0)
      throw new ValidationError("The import body is empty.", { body: "required" });
    const format = query.format ?? sniffFormat(head);
    if (!format) {
      throw new ValidationError("Say which format the file is in.", {
        "query.format": "could not tell from the file",
      });
    }
    const opts = { site, format, key: query.key, events: deps.events };
    const job = await startImport(opts);
    let staged!: () => void;
    const stagedNow = new Promise<void>((r) => (staged = r));
    const run = runImport(job, stream, { ...opts, onStaged: staged });
    const ended = await Promise.race([stagedNow.then(() => null), run]);
    if (tooLarge) throw new PayloadTooLargeError(`An import may be at most ${max} bytes.`);
    res.status(202).json({ id: job._id, status: ended ? presentImport(ended).status : "running" });
  });

  router.get("/sites/:site/imports/:id", async (req, res) => {
    const { site, id } = parse(importParams, req.params);
    requireAdmin(req.viewer, site);
    const doc = await Import.findOne({ _id: id, site }).lean();
    if (!doc) throw new NotFoundError("Import");
    res.json(presentImport(doc));
  });

  router.get("/sites/:site/export", async (req, res) => {
    const { site } = parse(siteParams, req.params);
    requireAdmin(req.viewer, site);
    await getSite(site);
    res.type("application/x-ndjson");
    res.set("Content-Disposition", `attachment; filename="${site}-export.ndjson"`);
    res.set("Cache-Control", "no-store");
    const lines = Readable.from(
      (async function* () {
        for await (const line of exportSite(site)) yield `${JSON.stringify(line)}\n`;
      })(),
    );
    // A failure mid-way cuts the response short: a truncated export must not pass for a whole one.
    pipeline(lines, res, (err) => err && res.destroy(err));
  });

  return router;
}
