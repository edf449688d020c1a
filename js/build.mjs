// Bundles each widget (one entry per file in src/ named in WIDGETS) into ../nemo_jupyter/static/.
// `node build.mjs` builds once (minified); `node build.mjs --watch` rebuilds on save for ANYWIDGET_HMR=1.
import * as esbuild from "esbuild";

const WIDGETS = ["timeline", "player", "stream_view", "upload"];
const watch = process.argv.includes("--watch");

const options = {
  entryPoints: WIDGETS.map((name) => `src/${name}.ts`),
  outdir: "../nemo_jupyter/static",
  bundle: true,
  format: "esm",
  target: "es2020",
  minify: !watch,
  sourcemap: watch ? "inline" : false,
  logLevel: "info",
};

if (watch) {
  const context = await esbuild.context(options);
  await context.watch();
} else {
  await esbuild.build(options);
}
