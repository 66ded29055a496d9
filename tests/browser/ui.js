// SPDX-License-Identifier: MIT
// ui.js: browser tests of `faultline serve` and timeline.html in headless
// chromium (see cdp.js). Usage:
//   node ui.js --url http://127.0.0.1:PORT --runs N --run TEST/TIME
//              [--big TEST/TIME --big-ops N] [--shots DIR]
// Prints one line per check and "N passed, N failed"; exits 1 on failure.
"use strict";
const { launch } = require("./cdp");

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
const base = args.url;
let pass = 0, fail = 0;
function check(name, ok, detail) {
  if (ok) { pass++; console.log("ok   " + name + (detail ? " (" + detail + ")" : "")); }
  else { fail++; console.log("FAIL " + name + (detail ? ": " + detail : "")); }
}

async function main() {
  const b = await launch();
  const deadline = setTimeout(() => { console.log("FAIL browser tests timed out"); b.close().then(() => process.exit(1)); }, 90000);
  try {
    const page = await b.newPage(1280, 900);

    /* the index lists every run, newest first, coloured by validity */
    await page.goto(base + "/");
    const idx = await page.eval(`(() => {
      const rows = [...document.querySelectorAll("#runs tr.run")];
      return { n: rows.length,
               times: rows.map((r) => r.cells[1].textContent),
               valid: rows.map((r) => r.querySelector("td.valid").dataset.valid),
               colors: rows.map((r) => getComputedStyle(r.querySelector(".v")).backgroundColor),
               links: rows.map((r) => r.querySelectorAll("a").length) };
    })()`);
    check("index lists the runs", idx.n === Number(args.runs), idx.n + " rows");
    const sorted = idx.times.slice().sort().reverse();
    check("index is newest first", JSON.stringify(sorted) === JSON.stringify(idx.times));
    check("index colours validity",
          idx.valid.includes("false") && idx.valid.includes("true") &&
          idx.colors[idx.valid.indexOf("false")] !== idx.colors[idx.valid.indexOf("true")],
          idx.valid.join(","));
    check("index links results, history, log, plots, timeline, archive",
          idx.links.every((n) => n >= 7), idx.links.join(","));
    if (args.shots) await page.screenshot(args.shots + "/serve-index.png");

    /* a run's page: verdict, anomalies, plots inline, files */
    await page.goto(base + "/run/" + args.run);
    await page.eval(`Promise.all([...document.images].map((i) => i.complete ? 0 :
                       new Promise((r) => { i.onload = i.onerror = r; })))`);
    const run = await page.eval(`(() => ({
      verdict: document.querySelector("#verdict .v").textContent,
      plots: [...document.querySelectorAll("img.plot")].map((i) => [i.alt, i.naturalWidth]),
      files: document.querySelectorAll("ul.files li").length,
      anomalies: (document.querySelector("#anomalies") || {}).textContent || "" }))()`);
    check("run page shows its verdict", ["true", "false", "unknown"].includes(run.verdict), run.verdict);
    check("run page shows the plots inline",
          run.plots.length >= 3 && run.plots.every((p) => p[1] > 0),
          run.plots.map((p) => p[0] + ":" + p[1]).join(" "));
    check("run page lists its files", run.files >= 8, run.files + " files");
    if (run.verdict === "false")
      check("run page shows headline anomalies", /G1c/.test(run.anomalies), run.anomalies.slice(0, 80));
    if (args.shots) {
      await page.send("Emulation.setDeviceMetricsOverride", { width: 1280, height: 1500, deviceScaleFactor: 1, mobile: false });
      await page.screenshot(args.shots + "/serve-run.png");
      await page.send("Emulation.setDeviceMetricsOverride", { width: 1280, height: 900, deviceScaleFactor: 1, mobile: false });
    }

    /* path traversal through the browser's fetch (un-normalised forms) */
    const codes = await page.eval(`Promise.all([
      "/files/..%2f..%2fetc/passwd", "/files/%2e%2e%2f%2e%2e%2fetc/passwd",
      "/run/..%2f..", "/archive/..%2f..%2ftmp.tar.gz", "/files/x%00/../../etc/passwd"
    ].map((u) => fetch(u).then((r) => r.status)))`);
    check("path traversal is refused in the browser", codes.every((c) => c === 403 || c === 404), codes.join(","));

    /* the timeline of a big history opens, scrolls and shows details */
    if (args.big) {
      const t0 = Date.now();
      await page.goto(base + "/files/" + args.big + "/timeline.html", 60000);
      const openMs = Date.now() - t0;
      const tl = await page.eval(`({ n: FL.n, decode: FL.decodeMs, draw: FL.stats.drawMs,
                                     visible: FL.stats.visible, span: FL.spanMs })`);
      check("timeline opens", tl.n * 2 >= Number(args["big-ops"]) - 100 && tl.visible > 0,
            tl.n + " ops drawn from " + args["big-ops"] + "-op history, page load " + openMs +
            " ms, decode " + tl.decode.toFixed(0) + " ms, first draw " + tl.draw.toFixed(1) + " ms");
      const nem = await page.eval(`({ col: FL_DATA.cols[0], labels: FL_DATA.regions.map((r) => r[2]) })`);
      check("timeline has a nemesis column and labelled fault periods",
            nem.col === "nemesis" && ["partition", "kill", "pause", "clock"].every((l) => nem.labels.includes(l)),
            nem.labels.join(","));
      const sc = await page.eval(`(async () => {
        const el = document.getElementById("scroll"), times = [], vis = [];
        const frame = () => new Promise((r) => requestAnimationFrame(() => r()));
        const t0 = performance.now();
        for (let i = 1; i <= 40; i++) {
          el.scrollTop = (el.scrollHeight - el.clientHeight) * i / 40;
          await frame(); await frame();
          times.push(FL.stats.drawMs); vis.push(FL.stats.visible);
        }
        return { total: performance.now() - t0, max: Math.max(...times),
                 mean: times.reduce((a, b) => a + b, 0) / times.length,
                 minVisible: Math.min(...vis), top: FL.topMs(), span: FL.spanMs, view: FL.viewMs() };
      })()`);
      check("timeline scrolls end to end", sc.minVisible > 0 && sc.top + sc.view >= sc.span * 0.99,
            "40 scroll steps in " + sc.total.toFixed(0) + " ms, draw mean " + sc.mean.toFixed(1) +
            " ms max " + sc.max.toFixed(1) + " ms");
      const fit = await page.eval(`(() => { const ms = FL.fit(); return { ms, mode: FL.stats.mode, visible: FL.stats.visible }; })()`);
      check("timeline zoomed out to all ops draws fast", fit.visible * 2 >= Number(args["big-ops"]) - 100 && fit.ms < 3000,
            fit.visible + " ops in " + fit.ms.toFixed(0) + " ms (" + fit.mode + ")");
      /* hover: zoom in at the start and point at a client op */
      const pt = await page.eval(`(() => {
        FL.zoom(40); FL.scrollToMs(0);
        const cols = FL_DATA.cols, c = cols.indexOf("0");
        for (let t = FL.topMs() + 5; t < FL.topMs() + FL.viewMs(); t += 0.5) {
          const i = FL.opAt(c, t);
          if (i >= 0) {
            const r = document.getElementById("scroll").getBoundingClientRect();
            const colW = parseFloat(document.getElementById("spacer").style.width);
            return { ok: true, x: r.left + 78 + (c + 0.5) * ((colW - 78) / cols.length),
                     y: r.top + 22 + (t - FL.topMs()) * 40 };
          }
        }
        return { ok: false };
      })()`);
      if (pt.ok) {
        await page.mouseMove(Math.round(pt.x), Math.round(pt.y));
        await page.eval(`new Promise((r) => setTimeout(r, 50))`);
        const tip = await page.eval(`(() => { const t = document.getElementById("tip");
                                       return { shown: t.style.display === "block", text: t.textContent }; })()`);
        check("timeline shows op details on hover", tip.shown && /latency/.test(tip.text), tip.text.slice(0, 90));
        if (args.shots) await page.screenshot(args.shots + "/timeline.png");
      } else {
        check("timeline shows op details on hover", false, "no op found near the start");
      }
    }
  } catch (e) {
    check("browser session", false, e.stack || String(e));
  }
  clearTimeout(deadline);
  await b.close();
  console.log(pass + " passed, " + fail + " failed");
  process.exit(fail ? 1 : 0);
}
main();
