// SPDX-License-Identifier: MIT
// gen-timeline-page.js: writes timeline_page.h (C string literals) from
// timeline-page.html (the page around the data, with @TITLE@ and @HEAD@ marks)
// and timeline-viewer.js (the viewer). Edit those two, then run
//   node src/report/gen-timeline-page.js > src/report/timeline_page.h
// tests/cli/t0530 fails when the header is out of date.
"use strict";
const fs = require("fs");
const path = require("path");

function lit(s) {
  const lines = s.split("\n");
  const out = [];
  lines.forEach((line, i) => {
    const piece = line + (i < lines.length - 1 ? "\n" : "");
    if (piece) out.push("    " + JSON.stringify(piece));
  });
  return out.length ? out.join("\n") : '    ""';
}

const dir = __dirname;
const page = fs.readFileSync(path.join(dir, "timeline-page.html"), "utf8");
const js = fs.readFileSync(path.join(dir, "timeline-viewer.js"), "utf8");
if (/[^\x00-\x7f]/.test(page + js)) throw new Error("keep timeline-page.html and timeline-viewer.js ASCII");
const [head, rest] = page.split("@TITLE@");
const [mid, tail] = rest.split("@HEAD@");
process.stdout.write(`/* SPDX-License-Identifier: MIT */
/*
 * timeline_page.h: the static parts of timeline.html (CSS, markup and the
 * viewer script), included only by timeline.c. Generated from
 * timeline-page.html and timeline-viewer.js by gen-timeline-page.js: edit
 * those. The script decodes packed little-endian uint32 arrays
 * (window.FL_DATA) and draws only the ops in view on a canvas, so a
 * million ops scroll smoothly; window.FL is its hook for tests.
 */
#ifndef FL_TIMELINE_PAGE_H
#define FL_TIMELINE_PAGE_H

/* up to the <title> text */
static const char timeline_page_head[] =
${lit(head)};

/* from </title> to the header text */
static const char timeline_page_mid[] =
${lit(mid)};

/* after the header text, before the data script */
static const char timeline_page_body[] =
${lit(tail)};

/* the viewer */
static const char timeline_page_js[] =
${lit(js)};

#endif
`);
