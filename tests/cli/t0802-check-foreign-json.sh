#!/bin/sh
# t0802: the same checks as t0801 on the hand-written JSON-lines versions
# of the histories (docs/history-json.md): the same verdicts.
X=jsonl exec sh "$(dirname "$0")/t0801-check-foreign-edn.sh"
