// SPDX-License-Identifier: MIT
// shots.js: takes the screenshots the docs show (index, a run page, a
// timeline around the first fault) from a running `faultline serve`.
//   node shots.js --url http://127.0.0.1:PORT --run TEST/TIME --out DIR
"use strict";
const { launch } = require("./cdp");

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];

async function main() {
  const b = await launch();
  try {
    const page = await b.newPage(1100, 420);
    await page.goto(args.url + "/");
    await page.screenshot(args.out + "/serve-index.png");
    await page.send("Emulation.setDeviceMetricsOverride",
                    { width: 1100, height: 1400, deviceScaleFactor: 1, mobile: false });
    await page.goto(args.url + "/run/" + args.run);
    await page.eval(`Promise.all([...document.images].map((i) => i.complete ? 0 :
                       new Promise((r) => { i.onload = i.onerror = r; })))`);
    await page.screenshot(args.out + "/serve-run.png");
    await page.send("Emulation.setDeviceMetricsOverride",
                    { width: 1100, height: 700, deviceScaleFactor: 1, mobile: false });
    await page.goto(args.url + "/files/" + args.run + "/timeline.html");
    await page.eval(`(() => { const r = FL_DATA.regions[0];
                              FL.zoom(4); FL.scrollToMs(r[0] - 40); })()`);
    await page.eval(`new Promise((r) => requestAnimationFrame(() => r()))`);
    await page.screenshot(args.out + "/timeline.png");
  } finally {
    await b.close();
  }
}
main().catch((e) => { console.error(e); process.exit(1); });
