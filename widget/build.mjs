// Build the served widget: minify src/docent.js into docent.js, stamped with the
// source's sha256 so the server and the tests can tell a stale build.
// Run: cd widget && npm ci && npm run build
import { createHash } from "node:crypto";
import { readFileSync, writeFileSync } from "node:fs";
import { minify } from "terser";

const here = new URL(".", import.meta.url);
const source = readFileSync(new URL("src/docent.js", here), "utf8");
const digest = createHash("sha256").update(source).digest("hex");
const result = await minify(source, {
  ecma: 2017,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false },
});
const banner = `/*! Docent widget | MIT | src ${digest} */\n`;
writeFileSync(new URL("docent.js", here), banner + result.code + "\n");
const bytes = Buffer.byteLength(banner + result.code);
console.log(`docent.js: ${bytes} bytes`);
