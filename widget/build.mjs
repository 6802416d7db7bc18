// Build the served widget: bundle the ES modules under src/ (entry src/main.js) with
// esbuild, minify the bundle with terser, and stamp it with the sources' sha256 (its
// first 16 hex digits, 64 bits: plenty to tell builds apart, and 43 bytes gzipped fewer
// than all 64) so the server and the tests can tell a stale build (widget/__init__.py
// computes the same digest: every src/*.js in name order, each as its name, a NUL, its
// bytes, a NUL).
// Run: cd widget && npm ci && npm run build
import { createHash } from "node:crypto";
import { readdirSync, readFileSync, writeFileSync } from "node:fs";
import { build } from "esbuild";
import { minify } from "terser";

const here = new URL(".", import.meta.url);
const sourceDir = new URL("src/", here);

const digest = createHash("sha256");
for (const name of readdirSync(sourceDir).filter((name) => name.endsWith(".js")).sort()) {
  digest.update(name + "\0").update(readFileSync(new URL(name, sourceDir))).update("\0");
}

// Properties named with a trailing "_" are internal: the build shortens them. A
// visitor's transcript is stored in localStorage under the short names it has always
// had, so a rebuild never orphans a stored conversation; the fields only drawing needs
// get names starting with "_", which persistence.js never stores.
const PROPERTY_NAMES = {
  sessionId_: "sid",
  messages_: "msgs",
  status_: "st",
  feedback_: "fb",
  answered_: "ok",
  error_: "err",
  node_: "_e",
  bubble_: "_b",
  streaming_: "_busy",
};

const bundled = await build({
  entryPoints: [new URL("main.js", sourceDir).pathname],
  bundle: true,
  write: false,
  format: "esm",
  target: "es2017",
  charset: "utf8",
  legalComments: "none",
  minify: true,
  mangleProps: /_$/,
  mangleCache: PROPERTY_NAMES,
  metafile: true,
});

// The modules import only modules below them: an import cycle fails the build.
const imports = bundled.metafile.inputs;
const finished = new Set(), open = [];
function visit(path) {
  if (finished.has(path)) return;
  if (open.includes(path)) throw new Error("import cycle: " + open.slice(open.indexOf(path)).concat(path).join(" -> "));
  open.push(path);
  imports[path].imports.forEach((imported) => visit(imported.path));
  open.pop();
  finished.add(path);
}
Object.keys(imports).forEach(visit);
// One strict function of window and document (the modules' own semantics; the
// minifier can shorten both names); nothing leaks into the page's global scope.
const wrapped = `(function (window, document) {"use strict";${bundled.outputFiles[0].text}})(window, document);`;
const result = await minify(wrapped, {
  ecma: 2017,
  compress: { passes: 4, hoist_funs: true, unsafe_arrows: true, unsafe_methods: true },
  mangle: true,
  format: { comments: false },
});
const banner = `/*! Docent widget | MIT | src ${digest.digest("hex").slice(0, 16)} */\n`;
writeFileSync(new URL("docent.js", here), banner + result.code + "\n");
const bytes = Buffer.byteLength(banner + result.code + "\n");
console.log(`docent.js: ${bytes} bytes`);
