// The web page of `vivid serve` in a real browser: Debian's Chromium driven by puppeteer-core.
// Starts the service on the demo model, opens the page and checks, against the CLI run on the
// same files (an independent path through the library: no HTTP, no page):
// - the model's name, label count and input size, as GET /v1/model gives them;
// - a demo clip chosen with the keyboard only (Tab to the file input, Space), and another dropped
//   on the drop zone: the labels and scores shown are `vivid classify --json`'s for that clip;
// - a longer video (five demo clips one after another): the segments shown are
//   `vivid timeline --out`'s and the picture is `vivid timeline --svg`'s;
// - a file that is not a video: the 422 as a readable message; an upload over --max-upload-mb:
//   the 413 as one; an upload to a service whose --queue is full: the 503 as one;
// - nothing is fetched from anywhere but the service, and the page's script raises nothing.
// It saves a screenshot of the page with the longer video's answer (VIVID_SCREENSHOT: the
// README's examples/serve/page.png comes from here).
// Exit status 0: passed; 77: skipped (no Chromium, or no node_modules), with the reason; else failed.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, writeFileSync, readFileSync, rmSync, existsSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

const SKIP = 77;
const chromium = process.env.VIVID_CHROMIUM || "/usr/bin/chromium";
const cli = process.env.VIVID_CLI;
const source = process.env.VIVID_SOURCE_DIR;
if (!cli || !source) {
  console.error("serve_page_test: set VIVID_CLI (the vivid binary) and VIVID_SOURCE_DIR (the checkout)");
  process.exit(2);
}
if (!existsSync(chromium)) {
  console.log(`SKIP: no Chromium at ${chromium} (apt-get install chromium; scripts/install_dependencies.sh does)`);
  process.exit(SKIP);
}
let puppeteer;
try {
  puppeteer = (await import("puppeteer-core")).default;
} catch (e) {
  console.log("SKIP: puppeteer-core is not installed (npm ci in tests/browser; scripts/install_dependencies.sh does)");
  process.exit(SKIP);
}

const work = mkdtempSync(join(tmpdir(), "vivid-page-"));
const services = [];
let failures = 0;
function check(ok, what, detail = "") {
  console.log(`${ok ? "ok  " : "FAIL"} ${what}${ok || !detail ? "" : ": " + detail}`);
  if (!ok) failures++;
}
const vivid = (args, cwd = work) => execFileSync(cli, args, { cwd, encoding: "utf8", stdio: ["ignore", "pipe", "inherit"] });

// The service on any free port; resolves to its base URL once /healthz answers.
function startService(model, extra = []) {
  return new Promise((resolve, reject) => {
    const p = spawn(cli, ["serve", "--model", model, "--port", "0", "--threads", "2", ...extra],
                    { stdio: ["ignore", "ignore", "pipe"] });
    services.push(p);
    p.log = "";
    p.exited = new Promise((done) => p.on("exit", (code, signal) => done(signal || code)));
    p.stderr.on("data", (chunk) => {
      p.log += chunk;
      const m = p.log.match(/on (http:\/\/[0-9.]+:[0-9]+)/);
      if (m) resolve(m[1]);
    });
    p.exited.then((status) => reject(new Error(`vivid serve exited (${status}): ${p.log}`)));
  });
}

async function main() {
  // The demo model, and a longer video: five demo clips one after another.
  const model = join(work, "demo-model");
  const demo = join(source, "examples/demo");
  vivid(["convert", "--from", "videomae-pth", "--checkpoint", join(demo, "videomae_demo.pth"), "--config",
         join(demo, "config.json"), "--preprocessor-config", join(demo, "preprocessor_config.json"), "--out", model]);
  const clip = join(demo, "clips/moving_left_0.mp4");
  const parts = ["moving_left_0", "growing_0", "moving_up_0", "shrinking_0", "moving_right_0"];
  writeFileSync(join(work, "parts.txt"), parts.map((p) => `file '${join(demo, "clips", p + ".mp4")}'\n`).join(""));
  execFileSync("ffmpeg", ["-v", "error", "-f", "concat", "-safe", "0", "-i", join(work, "parts.txt"), "-c:v", "libx264",
                          "-pix_fmt", "yuv420p", join(work, "demo_long.mp4")]);
  const notVideo = join(work, "notes.mp4");
  writeFileSync(notVideo, "these are notes, not a video\n");
  const big = join(work, "big.mp4");
  writeFileSync(big, Buffer.alloc(3 << 20, 7));

  // What the CLI says for the same files.
  const expected = JSON.parse(vivid(["classify", "--model", model, clip, "--top-k", "5", "--json"]));
  const dropped = join(demo, "clips/growing_0.mp4");
  const expectedDropped = JSON.parse(vivid(["classify", "--model", model, dropped, "--top-k", "5", "--json"]));
  vivid(["timeline", "--model", model, "demo_long.mp4", "--top-k", "5", "--out", "timeline.jsonl", "--svg", "timeline.svg"]);
  const cliSegments = readFileSync(join(work, "timeline.jsonl"), "utf8").trim().split("\n").map((l) => JSON.parse(l))
    .filter((r) => r.type === "segment");
  const cliSvg = readFileSync(join(work, "timeline.svg"), "utf8");

  const base = await startService(model);
  const description = await (await fetch(base + "/v1/model")).json();
  const browser = await puppeteer.launch({
    executablePath: chromium, headless: true,
    args: ["--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1100,900"],
  });
  try {
    const page = await browser.newPage();
    await page.setViewport({ width: 1100, height: 900 });
    const elsewhere = [], scriptErrors = [];
    const bases = [base];  // the services started here; any other address is elsewhere
    page.on("request", (r) => { if (!bases.some((b) => r.url().startsWith(b + "/"))) elsewhere.push(r.url()); });
    page.on("pageerror", (e) => scriptErrors.push(e.message));
    await page.goto(base + "/", { waitUntil: "networkidle0" });

    // The model's description.
    await page.waitForSelector("[data-field=labels]");
    const shown = await page.$$eval("[data-field]", (els) => Object.fromEntries(els.map((e) => [e.dataset.field, e.textContent])));
    check(shown.labels === String(description.labels), "the label count", `${shown.labels} vs ${description.labels}`);
    check(shown.architecture === description.architecture, "the architecture", shown.architecture);
    check(shown.model === "demo-model", "the model's name", shown.model);
    check(shown.input === `${description.input.frames} frames of ${description.input.width}×${description.input.height}`,
          "the input size", shown.input);

    // Keyboard only: Tab to the file input, Space opens the chooser.
    let focused = "";
    for (let i = 0; i < 10 && focused !== "video"; i++) {
      await page.keyboard.press("Tab");
      focused = await page.evaluate(() => document.activeElement.id);
    }
    check(focused === "video", "Tab reaches the file input", `focus on '${focused}'`);
    const [chooser] = await Promise.all([page.waitForFileChooser({ timeout: 5000 }), page.keyboard.press("Space")]);
    await chooser.accept([clip]);
    await page.waitForFunction(() => document.querySelector("#status").textContent.startsWith("Done: "), { timeout: 60000 });
    const labels = await page.$$eval("#labels li", (lis) => lis.map((li) => ({
      label: li.dataset.label, score: Number(li.dataset.score), text: li.querySelector(".score").textContent,
      name: li.querySelector(".label").textContent })));
    check(labels.length === expected.length, "as many labels as vivid classify --json", `${labels.length} vs ${expected.length}`);
    expected.forEach((e, i) => {
      const got = labels[i] || {};
      check(got.label === e.label && got.name === e.label, `label ${i + 1} is '${e.label}'`, `shown '${got.name}'`);
      check(Math.abs(got.score - e.score) <= 1e-9, `score ${i + 1} is ${e.score}`, `shown ${got.score}`);
      const text = [e.score - 1e-5, e.score, e.score + 1e-5].map((s) => (100 * s).toFixed(2) + " %");
      check(text.includes(got.text), `score ${i + 1} reads ${text[1]}`, `reads '${got.text}'`);
    });
    check(await page.evaluate(() => document.activeElement.id === "result-title"), "focus moves to the answer");

    // A file dropped on the drop zone (Chromium's own drag events, with the file).
    const box = await (await page.$("#drop")).boundingBox();
    const centre = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    const drag = { items: [], files: [dropped], dragOperationsMask: 1 };
    await page.mouse.dragEnter(centre, drag);
    await page.mouse.dragOver(centre, drag);
    await page.mouse.drop(centre, drag);
    await page.waitForFunction(() => document.querySelector("#status").textContent.startsWith("Done: growing_0.mp4"),
                               { timeout: 60000 });
    const droppedLabels = await page.$$eval("#labels li", (lis) => lis.map((li) => ({ label: li.dataset.label, score: Number(li.dataset.score) })));
    check(droppedLabels.length === expectedDropped.length &&
          expectedDropped.every((e, i) => e.label === droppedLabels[i].label && Math.abs(e.score - droppedLabels[i].score) <= 1e-9),
          "a dropped clip's labels and scores are vivid classify --json's", JSON.stringify(droppedLabels));

    // A longer video through the same input: the timeline's segments and picture are the CLI's.
    const input = await page.$("#video");
    await input.uploadFile(join(work, "demo_long.mp4"));
    await page.waitForFunction(() => /^Done: demo_long\.mp4, \d+ windows/.test(document.querySelector("#status").textContent),
                               { timeout: 60000 });
    const rows = await page.$$eval("#segments tbody tr", (trs) => trs.map((tr) => ({ label: tr.dataset.label, score: Number(tr.dataset.score) })));
    check(rows.length === cliSegments.length && cliSegments.length >= 5, "the segments of vivid timeline",
          `${rows.length} shown, ${cliSegments.length} from the CLI`);
    cliSegments.forEach((s, i) => check(rows[i] && rows[i].label === s.label && Math.abs(rows[i].score - s.score) <= 1e-5,
                                        `segment ${i + 1}: ${s.label} ${s.score.toFixed(4)}`, JSON.stringify(rows[i])));
    const sameSvg = await page.evaluate((svg) => {
      const shown = document.querySelector("#timeline-svg svg");
      const cli = new DOMParser().parseFromString(svg, "image/svg+xml").documentElement;
      return shown && shown.textContent === cli.textContent &&
             shown.querySelectorAll("rect").length === cli.querySelectorAll("rect").length;
    }, cliSvg);
    check(sameSvg, "the picture is vivid timeline --svg's (its text and bands)");
    if (process.env.VIVID_SCREENSHOT) {
      await page.screenshot({ path: process.env.VIVID_SCREENSHOT, fullPage: true });
      console.log(`wrote ${process.env.VIVID_SCREENSHOT}`);
    }

    // Not a video: the 422 as a sentence, and no stale answer beside it.
    await input.uploadFile(notVideo);
    await page.waitForSelector("#error[role=alert]:not(:empty)", { timeout: 30000 });
    const error = await page.$eval("#error", (e) => e.textContent);
    check(error.startsWith("This file could not be read as a video") && error.includes("the upload:"), "the 422 reads well", error);
    check(await page.$eval("#result", (e) => e.hidden), "no stale labels beside the error");

    // Over the upload limit: the 413 as a sentence.
    const small = await startService(model, ["--max-upload-mb", "1"]);
    bases.push(small);
    await page.goto(small + "/", { waitUntil: "networkidle0" });
    await (await page.$("#video")).uploadFile(big);
    await page.waitForSelector("#error:not(:empty)", { timeout: 30000 });
    const tooBig = await page.$eval("#error", (e) => e.textContent);
    check(tooBig.startsWith("The file is larger than this service accepts"), "the 413 reads well", tooBig);

    // A full queue: one upload held open (its body never finishes) fills --queue 1, so the
    // page's upload gets the 503, as a sentence.
    const busy = await startService(model, ["--queue", "1"]);
    bases.push(busy);
    const held = connect(Number(new URL(busy).port), "127.0.0.1");
    held.write("POST /v1/classify HTTP/1.1\r\nHost: x\r\nContent-Type: application/octet-stream\r\n" +
               "Content-Length: 1000000\r\n\r\n" + "x".repeat(1000));
    await new Promise((r) => setTimeout(r, 300));
    await page.goto(busy + "/", { waitUntil: "networkidle0" });
    await (await page.$("#video")).uploadFile(clip);
    await page.waitForSelector("#error:not(:empty)", { timeout: 30000 });
    const full = await page.$eval("#error", (e) => e.textContent);
    check(full.startsWith("The service is busy: try again in a moment") && full.includes("queue is full"), "the 503 reads well", full);
    held.destroy();

    check(elsewhere.length === 0, "nothing fetched from elsewhere", elsewhere.join(", "));
    check(scriptErrors.length === 0, "no script errors", scriptErrors.join("; "));
  } finally {
    await browser.close();
  }
}

try {
  await main();
} catch (e) {
  console.log("FAIL " + (e.stack || e));
  failures++;
}
// SIGTERM: each service finishes and exits 0 (under the sanitizers, also with no report).
for (const p of services) {
  p.kill("SIGTERM");
  const status = await p.exited;
  check(status === 0, "vivid serve exits 0 on SIGTERM", `${status}: ${p.log.slice(-2000)}`);
}
rmSync(work, { recursive: true, force: true });
console.log(failures ? `${failures} checks failed` : "the page passed every check");
process.exit(failures ? 1 : 0);
