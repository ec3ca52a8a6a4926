// Builds static/dist from npm packages: GOV.UK Frontend's CSS (Arial, no web fonts), its JS
// and assets. Run by `make assets`; the output is build output and is not committed.
import { cpSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import vm from "node:vm";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const out = join(root, "static", "dist");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, "govuk"), { recursive: true });

const css = sass.compile(join(root, "static", "src", "app.scss"), {
  style: "compressed",
  sourceMap: false,
  quietDeps: true,
  silenceDeprecations: ["import"],
  importers: [new sass.NodePackageImporter(root)],
});
writeFileSync(join(out, "app.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(out, "govuk", "govuk-frontend.min.js"));
cpSync(join(govuk, "assets"), join(out, "govuk", "assets"), { recursive: true });
cpSync(join(root, "static", "src", "app.mjs"), join(out, "app.mjs"));
cpSync(join(root, "static", "src", "conditional-reveal.mjs"), join(out, "conditional-reveal.mjs"));

// plotly.js for the dashboards (pinned in package.json), and its own styles as a file: with
// <link id="plotly.js-style-global" class="no-inline-styles"> plotly injects no inline <style>,
// so `style-src 'self'` holds. The rules are read from the bundle's style table.
const plotlyJs = join(root, "node_modules", "plotly.js-cartesian-dist-min", "plotly-cartesian.min.js");
cpSync(plotlyJs, join(out, "plotly.min.js"));
writeFileSync(join(out, "plotly.css"), plotlyCss(readFileSync(plotlyJs, "utf8")));
cpSync(join(root, "static", "src", "charts.mjs"), join(out, "charts.mjs"));
cpSync(join(root, "static", "src", "dashboards.css"), join(out, "dashboards.css"));

function plotlyCss(source) {
  const start = source.lastIndexOf("{", source.indexOf('"X,X div":'));
  let depth = 0;
  let end = start;
  for (; end < source.length; end++) {
    if (source[end] === "{") depth++;
    else if (source[end] === "}" && --depth === 0) break;
  }
  const rules = vm.runInNewContext(`(${source.slice(start, end + 1)})`);
  return Object.entries(rules).map(([selector, body]) => {
    const full = selector.replace(/X/g, ".js-plotly-plot .plotly").replace(/Y/g, ".plotly-notifier");
    return `${full}{${body}}`;
  }).join("\n") + "\n";
}
console.log(`assets built in ${out}`);
