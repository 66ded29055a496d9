#!/bin/sh
# t0530: src/report/timeline_page.h is generated from timeline-page.html
# and timeline-viewer.js; fail when someone edited one side only.
. "$(dirname "$0")/lib.sh"
command -v node >/dev/null || skip "no node (scripts/install-deps.sh)"
node "$TOP/src/report/gen-timeline-page.js" >"$TMP/page.h" ||
    fail "gen-timeline-page.js failed"
cmp -s "$TMP/page.h" "$TOP/src/report/timeline_page.h" ||
    fail "timeline_page.h is stale: node src/report/gen-timeline-page.js > src/report/timeline_page.h"
node -e 'new Function(require("fs").readFileSync(process.argv[1], "utf8"))' \
    "$TOP/src/report/timeline-viewer.js" || fail "timeline-viewer.js does not parse"
exit 0
