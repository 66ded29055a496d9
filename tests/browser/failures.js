// SPDX-License-Identifier: MIT
// failures.js: the web UI's run page explains a failure as the CLI does, in
// headless chromium (see cdp.js). Usage:
//   node failures.js --url http://127.0.0.1:PORT --linear TEST/TIME
//        --linear-index N --set TEST/TIME --lost '#{...}' --elle TEST/TIME
//        --evil TEST/TIME [--shots DIR]
// Prints one line per check and "N passed, N failed"; exits 1 on failure.
"use strict";
const { launch } = require("./cdp");

const args = {};
for (let i = 2; i < process.argv.length; i += 2)
  args[process.argv[i].replace(/^--/, "")] = process.argv[i + 1];
let pass = 0, fail = 0;
function check(name, ok, detail) {
  if (ok) { pass++; console.log("ok   " + name + (detail ? " (" + detail + ")" : "")); }
  else { fail++; console.log("FAIL " + name + (detail ? ": " + detail : "")); }
}

async function open(page, run) {
  await page.goto(args.url + "/run/" + run);
  await page.eval(`Promise.all([...document.images].map((i) => i.complete ? 0 :
                     new Promise((r) => { i.onload = i.onerror = r; })))`);
}

async function main() {
  const b = await launch();
  const deadline = setTimeout(() => { console.log("FAIL browser tests timed out"); b.close().then(() => process.exit(1)); }, 60000);
  try {
    const page = await b.newPage(1280, 900);

    /* linearizability: the failing op and the path, as rows, and the svg */
    await open(page, args.linear);
    const lin = await page.eval(`(() => {
      const d = document.getElementById("details");
      const rows = d ? [...d.querySelectorAll("table.ops tr")].map((r) =>
        [...r.cells].map((c) => c.textContent)) : [];
      const svg = document.getElementById("linear-svg");
      return { rows, text: d ? d.textContent : "",
               svg: svg ? svg.naturalWidth : -1 };
    })()`);
    const bad = lin.rows.filter((r) => r[0] === "cannot linearize");
    check("linear: the op that cannot be linearized, with its :index",
          bad.some((r) => r[1] === args["linear-index"] && /:read/.test(r[4])),
          JSON.stringify(bad[0]));
    check("linear: the previous ok op and the linearized steps",
          lin.rows.some((r) => r[0] === "previous ok") &&
          lin.rows.some((r) => /^linearized \d+$/.test(r[0]) && r[7] !== ""),
          lin.rows.length + " rows");
    check("linear: the model state and the refused step",
          /model state then:/.test(lin.text) && /step it cannot take:\s*\[:read/.test(lin.text));
    check("linear: linear.svg shown", lin.svg > 0, "width " + lin.svg);
    if (args.shots) await page.screenshot(args.shots + "/run-linear.png");

    /* set: the lost elements, all of them */
    await open(page, args.set);
    const set = await page.eval(`(document.getElementById("details") || {}).textContent || ""`);
    check("set: the lost elements", set.includes("lost (acknowledged, then never read): " + args.lost),
          set.slice(0, 120));

    /* Elle: every anomaly's explanation */
    await open(page, args.elle);
    const elle = await page.eval(`[...document.querySelectorAll("#details pre.explain")].map((p) => p.textContent)`);
    check("elle: the cycle explained",
          elle.length >= 1 && /T1 < T2, because/.test(elle[0]) && /This is a cycle/.test(elle[0]),
          elle.length + " explanations");
    if (args.shots) await page.screenshot(args.shots + "/run-elle.png");

    /* markup in a result is shown as text, never run */
    await open(page, args.evil);
    const evil = await page.eval(`(() => { const d = document.getElementById("details");
      return { imgs: d ? d.querySelectorAll("img, script").length : -1,
               text: d ? d.textContent : "", pwned: !!window.pwned }; })()`);
    check("markup in results is escaped", evil.imgs === 0 && !evil.pwned &&
          evil.text.includes("<img src=x onerror=window.pwned=1>"), evil.text.slice(0, 120));
  } catch (e) {
    check("browser session", false, e.stack || String(e));
  }
  clearTimeout(deadline);
  await b.close();
  console.log(pass + " passed, " + fail + " failed");
  process.exit(fail ? 1 : 0);
}
main();
