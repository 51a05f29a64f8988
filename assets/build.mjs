// Builds ../static/ from the pinned npm packages. Run: npm ci && npm run build
// Deterministic: no timestamps, sorted lists; two runs give identical bytes.
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const HERE = path.dirname(fileURLToPath(import.meta.url));
const NM = path.join(HERE, "node_modules");
const STATIC = path.resolve(HERE, "..", "static");
const DKFDS = path.join(NM, "dkfds");

// Exact versions this build is written for (must equal package.json pins).
const PINS = { dkfds: "11.2.0", "htmx.org": "2.0.11", "htmx-ext-sse": "2.2.4" };

// Icons put in static/img/icons.svg (a <symbol> sprite for <svg><use href=…>).
// Only those the cheat sheet's markup uses: alert icons + breadcrumb chevron.
const SPRITE_ICONS = ["chevron-right", "error", "info", "success", "warning"];

// url()s in DKFDS partials we load but whose images we do not want: the
// header/footer placeholder logos (we use a text logo). Their declarations
// are removed from the CSS.
const DROP_URLS = [
  "/static/img/logo-header-placeholder.png",
  "/static/img/logo-placeholder.png",
];

// Where a /static/... url in the CSS comes from inside node_modules.
function sourceFor(url) {
  let m;
  if ((m = url.match(/^\/static\/fonts\/([\w-]+\.woff2)$/)))
    return path.join(DKFDS, "src/fonts/IBMPlexSans/split/woff2", m[1]);
  if ((m = url.match(/^\/static\/img\/icons\/([\w-]+\.svg)$/)))
    return path.join(DKFDS, "src/img/svg-icons", m[1]);
  return null;
}

const die = (msg) => {
  console.error(`build: ${msg}`);
  process.exit(1);
};
const version = (pkg) =>
  JSON.parse(fs.readFileSync(path.join(NM, pkg, "package.json"), "utf8")).version;
const write = (rel, data) => {
  const p = path.join(STATIC, rel);
  fs.mkdirSync(path.dirname(p), { recursive: true });
  fs.writeFileSync(p, data);
};
const copy = (src, rel) => {
  if (!fs.existsSync(src)) die(`missing source file ${src}`);
  write(rel, fs.readFileSync(src));
};

// 0. Sanity: installed versions are the pinned ones.
for (const [pkg, want] of Object.entries(PINS)) {
  const got = version(pkg);
  if (got !== want) die(`${pkg} is ${got}, expected ${want} (run npm ci)`);
}

// 1. Clean the outputs this script owns (nothing else in static/ is touched).
for (const d of ["css", "fonts", "img", "js", "licenses"])
  fs.rmSync(path.join(STATIC, d), { recursive: true, force: true });
fs.rmSync(path.join(STATIC, "ASSET-VERSIONS.txt"), { force: true });

// 2. Compile SCSS.
const result = sass.compile(path.join(HERE, "portal.scss"), {
  style: "compressed",
  loadPaths: [NM],
  sourceMap: false,
  // DKFDS 11 still uses a few deprecated Sass features (e.g. if()); keep the
  // output quiet — they are the package's, not ours.
  quietDeps: true,
  silenceDeprecations: ["import", "global-builtin", "if-function"].filter(
    (d) => sass.deprecations && d in sass.deprecations,
  ),
});
let css = result.css;

for (const u of DROP_URLS) {
  const esc = u.replace(/[.*+?^${}()|[\]\\]/g, "\\$&");
  css = css.replace(new RegExp(`background-image:url\\("?${esc}"?\\);?`, "g"), "");
}
css = css.replace(/;}/g, "}"); // tidy after removals (compressed style never emits ';}' itself)
css = css.replace(/[^{}]+\{\}/g, ""); // drop rules emptied by the removal
if (!css.endsWith("\n")) css += "\n";
write("css/portal.css", css);

// 3. Copy exactly the files the CSS references.
const urls = [...new Set([...css.matchAll(/url\(\s*["']?([^"')]+)["']?\s*\)/g)].map((m) => m[1]))]
  .filter((u) => !u.startsWith("data:"))
  .sort();
for (const u of urls) {
  const src = sourceFor(u);
  if (!src) die(`CSS references ${u}, which build.mjs does not know how to provide`);
  copy(src, u.replace(/^\/static\//, ""));
}

// Warn if the CSS asks for a font weight we ship no face for.
const faces = new Set([...css.matchAll(/@font-face\{[^}]*font-weight:(\d+)/g)].map((m) => m[1]));
const used = new Set(
  [...css.replace(/@font-face\{[^}]*\}/g, "").matchAll(/font-weight:(\d+)/g)].map((m) => m[1]),
);
const unfaced = [...used].filter((w) => !faces.has(w)).sort();
if (unfaced.length)
  console.log(`build: note: weights without a face (browser uses nearest): ${unfaced.join(", ")}`);

// 4. Small SVG sprite for markup icons.
const allIcons = fs.readFileSync(path.join(DKFDS, "src/img/all-svg-icons.svg"), "utf8");
const symbols = SPRITE_ICONS.map((id) => {
  const m = allIcons.match(new RegExp(`<symbol id="${id}"[^>]*>[\\s\\S]*?</symbol>`));
  if (!m) die(`icon ${id} not in all-svg-icons.svg`);
  return m[0];
});
write(
  "img/icons.svg",
  `<svg xmlns="http://www.w3.org/2000/svg">\n${symbols.join("\n")}\n</svg>\n`,
);

// 5. htmx.
copy(path.join(NM, "htmx.org/dist/htmx.min.js"), "js/htmx.min.js");
// htmx's SSE extension: the live plan pages swap in what the server sends.
copy(path.join(NM, "htmx-ext-sse/dist/sse.min.js"), "js/htmx-ext-sse.min.js");

// 6. Licenses.
copy(path.join(DKFDS, "LICENSE.md"), "licenses/dkfds-LICENSE.md");
copy(path.join(NM, "htmx.org/LICENSE"), "licenses/htmx-LICENSE.txt");
copy(path.join(NM, "htmx-ext-sse/LICENSE"), "licenses/htmx-ext-sse-LICENSE.txt");
copy(
  path.join(DKFDS, "src/fonts/IBMPlexSans/complete/woff2/license.txt"),
  "licenses/IBMPlexSans-OFL.txt",
);
copy(path.join(HERE, "licenses/Apache-2.0.txt"), "licenses/Apache-2.0.txt");

// 7. ASSET-VERSIONS.txt (with sizes and sha256 of every other output file).
const listFiles = (dir) =>
  fs
    .readdirSync(dir, { withFileTypes: true })
    .flatMap((e) => (e.isDirectory() ? listFiles(path.join(dir, e.name)) : [path.join(dir, e.name)]));
const owned = ["css", "fonts", "img", "js", "licenses"]
  .map((d) => path.join(STATIC, d))
  .filter((d) => fs.existsSync(d))
  .flatMap(listFiles)
  .map((p) => path.relative(STATIC, p).split(path.sep).join("/"))
  .sort();
const lines = [
  "Én plan – third-party front-end assets in static/",
  "Generated by assets/build.mjs (cd assets && npm ci && npm run build). Do not edit by hand.",
  "",
  "Packages (npm, exact pins in assets/package.json / package-lock.json):",
  `  dkfds      ${version("dkfds")}   Det Fælles Designsystem – MIT (code/CSS); see licenses/dkfds-LICENSE.md`,
  `  htmx.org   ${version("htmx.org")}   htmx – 0BSD; see licenses/htmx-LICENSE.txt`,
  `  htmx-ext-sse ${version("htmx-ext-sse")} htmx's server-sent events extension – 0BSD; see licenses/htmx-ext-sse-LICENSE.txt`,
  `  sass       ${version("sass")}  build tool only (Dart Sass, MIT), nothing of it is shipped`,
  "",
  "Bundled third-party material:",
  "  fonts/IBMPlexSans-*-Latin1.woff2  IBM Plex Sans (from dkfds), SIL Open Font License 1.1,",
  "      Copyright 2017 IBM Corp., Reserved Font Name \"Plex\"; see licenses/IBMPlexSans-OFL.txt",
  "  img/icons/*.svg, img/icons.svg    Material Symbols icons (from dkfds), Apache License 2.0;",
  "      see licenses/Apache-2.0.txt and the icon list in licenses/dkfds-LICENSE.md",
  "  css/portal.css                    compiled from dkfds SCSS (MIT) + assets/portal.scss",
  "  js/htmx.min.js                    htmx.org dist/htmx.min.js, unmodified",
  "  js/htmx-ext-sse.min.js            htmx-ext-sse dist/sse.min.js, unmodified",
  "  No DKFDS JavaScript is shipped.",
  "",
  "Files (bytes, sha256):",
  ...owned.map((rel) => {
    const buf = fs.readFileSync(path.join(STATIC, rel));
    return `  ${rel}  ${buf.length}  ${createHash("sha256").update(buf).digest("hex")}`;
  }),
  "",
];
write("ASSET-VERSIONS.txt", lines.join("\n"));

console.log(`build: wrote ${owned.length + 1} files to ${path.relative(process.cwd(), STATIC) || "."}`);
