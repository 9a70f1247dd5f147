// Bundles the browser code in widget/ into dist/widget/: embed.js and count.js under fixed names
// (site owners link them), the widget and admin pages' scripts and styles under content hashes,
// and manifest.json naming the hashed files and their gzipped sizes. Fails past the size budgets.
import fs from "node:fs";
import path from "node:path";
import zlib from "node:zlib";
import { fileURLToPath } from "node:url";
import * as esbuild from "esbuild";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");
// `--outdir DIR` builds elsewhere (the browser tests build a fresh copy for each run).
const outArg = process.argv.indexOf("--outdir");
const out = outArg > 0 ? path.resolve(process.argv[outArg + 1]) : path.join(root, "dist", "widget");
const tmp = `${out}.tmp-${process.pid}`;

/** Gzipped-size budgets in bytes, from the widget issue. */
const BUDGETS = { "embed.js": 3 * 1024, "widget.js": 40 * 1024 };

const common = {
  bundle: true,
  minify: true,
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
  absWorkingDir: root,
};

fs.rmSync(tmp, { recursive: true, force: true });
fs.mkdirSync(tmp, { recursive: true });

await esbuild.build({
  ...common,
  entryPoints: { embed: "widget/embed.ts", count: "widget/count.ts" },
  format: "iife",
  outdir: tmp,
});

const hashed = await esbuild.build({
  ...common,
  entryPoints: {
    widget: "widget/thread/main.ts",
    admin: "widget/admin/main.ts",
    "widget-style": "widget/styles/widget.css",
    "admin-style": "widget/styles/admin.css",
  },
  format: "esm",
  splitting: false,
  entryNames: "[name]-[hash]",
  outdir: tmp,
  metafile: true,
});

const gzip = (file) => zlib.gzipSync(fs.readFileSync(path.join(tmp, file)), { level: 9 }).length;
const files = {};
for (const [output, meta] of Object.entries(hashed.metafile.outputs)) {
  if (!meta.entryPoint) continue;
  const name = path.basename(output);
  const logical = name.replace(/-[A-Z0-9]+\.(js|css)$/, ".$1").replace("-style.css", ".css");
  files[logical] = name;
}
files["embed.js"] = "embed.js";
files["count.js"] = "count.js";
const sizes = Object.fromEntries(Object.entries(files).map(([k, f]) => [k, gzip(f)]));

// What the socket.io client adds to the widget's script, for the report.
const socketBytes = Object.entries(hashed.metafile.outputs)
  .filter(([o]) => path.basename(o) === files["widget.js"])
  .flatMap(([, meta]) => Object.entries(meta.inputs))
  .filter(([input]) => /node_modules\/(socket\.io-|engine\.io-|@socket\.io)/.test(input))
  .reduce((sum, [, i]) => sum + i.bytesInOutput, 0);

fs.writeFileSync(
  path.join(tmp, "manifest.json"),
  JSON.stringify({ files, gzipBytes: sizes, socketIoMinifiedBytes: socketBytes }, null, 2),
);
fs.rmSync(out, { recursive: true, force: true });
fs.renameSync(tmp, out);

const kb = (n) => `${(n / 1024).toFixed(1)} KB`;
console.log(
  `widget: ${Object.entries(sizes)
    .map(([k, v]) => `${k} ${kb(v)} gz`)
    .join(", ")} (socket.io client: ${kb(socketBytes)} minified)`,
);
const over = Object.entries(BUDGETS).filter(([k, max]) => sizes[k] > max);
if (over.length > 0) {
  console.error(
    over.map(([k, max]) => `${k} is ${kb(sizes[k])} gzipped, over ${kb(max)}`).join("\n"),
  );
  process.exit(1);
}
