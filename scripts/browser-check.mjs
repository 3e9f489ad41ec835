// Opens pages of the built portal in headless Chromium (DevTools protocol, no extra package) and
//  - runs axe-core in each page: any serious or critical violation is a finding;
//  - lays each page out 360 px wide: content wider than the screen is a finding;
//  - with --screenshots DIR, saves each page as DIR/page-N.png (1280 px wide) instead of checking.
// Usage: node scripts/browser-check.mjs [--screenshots DIR] URL...
// Prints one line per finding and exits 1 if there is any.
import { spawn } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, dirname } from "node:path";
import { fileURLToPath } from "node:url";

const args = process.argv.slice(2);
let shots = null;
if (args[0] === "--screenshots") {
  shots = args[1];
  args.splice(0, 2);
}
const urls = args;
const here = dirname(fileURLToPath(import.meta.url));
const axeSource = readFileSync(join(here, "..", "node_modules", "axe-core", "axe.min.js"), "utf8");
const profile = mkdtempSync(join(tmpdir(), "exemplar-chromium-"));
const chromium = process.env.CHROMIUM || "chromium";
// The DevTools protocol over a pipe (fd 3 in, fd 4 out; messages end with NUL): no WebSocket needed.
const browser = spawn(
  chromium,
  [
    "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run", "--disable-background-networking",
    "--hide-scrollbars", `--user-data-dir=${profile}`, "--remote-debugging-pipe", "about:blank",
  ],
  // Chromium's own temporary folders go with the profile (TMPDIR), not into the system's.
  { stdio: ["ignore", "ignore", "ignore", "pipe", "pipe"], env: { ...process.env, TMPDIR: profile } },
);

// The profile is removed once Chromium has exited: a browser still shutting down writes into it
// after a remove, and left a folder in the temporary directory on every run.
const exited = new Promise((resolve) => browser.once("exit", resolve));
async function cleanup() {
  if (browser.exitCode === null && browser.signalCode === null) {
    try { browser.kill("SIGTERM"); } catch {}
    const stubborn = setTimeout(() => { try { browser.kill("SIGKILL"); } catch {} }, 5_000);
    await exited;
    clearTimeout(stubborn);
  }
  try { rmSync(profile, { recursive: true, force: true }); } catch {}
}
const timer = setTimeout(async () => { console.error("timed out"); await cleanup(); process.exit(2); }, 120_000);
browser.on("exit", async (code) => {
  if (!finished) { console.error(`chromium exited (${code})`); await cleanup(); process.exit(2); }
});
let finished = false;

let nextId = 1;
const pending = new Map();
const waiters = [];
let input = "";
browser.stdio[4].setEncoding("utf8");
browser.stdio[4].on("data", (chunk) => {
  input += chunk;
  let end;
  while ((end = input.indexOf("\0")) >= 0) {
    const message = JSON.parse(input.slice(0, end));
    input = input.slice(end + 1);
    if (message.id && pending.has(message.id)) {
      const { resolve, reject } = pending.get(message.id);
      pending.delete(message.id);
      message.error ? reject(new Error(message.error.message)) : resolve(message.result);
    } else if (message.method) {
      for (const w of waiters.splice(0)) w(message);
    }
  }
});
let session;
const send = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const id = nextId++;
    pending.set(id, { resolve, reject });
    const message = { id, method, params };
    if (session && !method.startsWith("Target.")) message.sessionId = session;
    browser.stdio[3].write(JSON.stringify(message) + "\0");
  });
const loaded = () =>
  new Promise((resolve) => {
    const wait = (m) => (m.method === "Page.loadEventFired" ? resolve() : waiters.push(wait));
    waiters.push(wait);
  });
const evaluate = async (expression) => {
  const result = await send("Runtime.evaluate", { expression, awaitPromise: true, returnByValue: true });
  if (result.exceptionDetails) throw new Error(result.exceptionDetails.text + " " + JSON.stringify(result.exceptionDetails.exception));
  return result.result.value;
};
// A page whose script draws more once it has loaded is checked as the reader sees it then: the
// search page's results, facets and the sort menu's indicator options (the longest text of an
// English page), which come with the facet data after the first results. False if it never settles.
const settled = () =>
  evaluate(`new Promise((resolve) => {
    const start = Date.now();
    (function wait() {
      const app = document.getElementById("search-app");
      if ((!app || app.dataset.ready) && !document.querySelector('[aria-busy="true"]')) resolve(true);
      else if (Date.now() - start > 10000) resolve(false);
      else setTimeout(wait, 20);
    })();
  })`);
const open = async (url, width, height) => {
  await send("Emulation.setDeviceMetricsOverride", { width, height, deviceScaleFactor: 1, mobile: width < 600 });
  const done = loaded();
  await send("Page.navigate", { url });
  await done;
  if (!(await settled())) findings.push(`${url}: the page's script did not finish drawing it within 10 s`);
};

const { targetId } = await send("Target.createTarget", { url: "about:blank" });
({ sessionId: session } = await send("Target.attachToTarget", { targetId, flatten: true }));
await send("Page.enable");
await send("Runtime.enable");
const findings = [];
for (const url of urls) {
  if (shots) {
    await open(url, 1280, 900);
    const height = await evaluate("document.documentElement.scrollHeight");
    await send("Emulation.setDeviceMetricsOverride", { width: 1280, height: Math.min(height, 2200), deviceScaleFactor: 1, mobile: false });
    const { data } = await send("Page.captureScreenshot", { format: "png" });
    const name = `page-${urls.indexOf(url) + 1}.png`;
    writeFileSync(join(shots, name), Buffer.from(data, "base64"));
    console.log(`${url} -> ${join(shots, name)}`);
    continue;
  }
  await open(url, 1280, 900);
  await evaluate(axeSource + ";true");
  const violations = JSON.parse(
    await evaluate(
      `axe.run(document, { resultTypes: ["violations"] }).then(r => JSON.stringify(r.violations.map(v => ({
         id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.slice(0, 3).map(n => n.target.join(" ")) }))))`,
    ),
  );
  for (const v of violations) {
    if (v.impact === "serious" || v.impact === "critical") {
      findings.push(`${url}: axe ${v.impact} ${v.id}: ${v.help} (${v.nodes.join(", ")})`);
    }
  }
  await open(url, 360, 740);
  const overflow = await evaluate(
    `(() => { const w = document.documentElement.clientWidth; const wide = [];
      for (const el of document.querySelectorAll("body *")) {
        if (el.closest(".table-scroll")) continue;
        const r = el.getBoundingClientRect();
        if (r.width > 0 && (r.right > w + 1 || r.left < -1) && !el.closest(".visually-hidden,.skip-link")) wide.push(el.tagName.toLowerCase() + (el.className && typeof el.className === "string" ? "." + el.className.split(" ")[0] : ""));
      }
      return JSON.stringify({ scroll: document.documentElement.scrollWidth, width: w, wide: wide.slice(0, 5) }); })()`,
  );
  const o = JSON.parse(overflow);
  if (o.scroll > o.width || o.wide.length) {
    findings.push(`${url}: wider than a 360 px screen (${o.scroll} px): ${o.wide.join(", ")}`);
  }
}
for (const f of findings) console.log(f);
console.log(`checked ${urls.length} page(s): ${findings.length} finding(s)`);
clearTimeout(timer);
finished = true;
await cleanup();
process.exit(findings.length ? 1 : 0);
