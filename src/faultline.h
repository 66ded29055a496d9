/* SPDX-License-Identifier: MIT */
/*
 * faultline.h: the public C API in one include, for test programs built
 * against an installed faultline (`cc prog.c $(pkg-config --cflags --libs
 * faultline)`). It pulls in every public header, each in its layer's
 * directory; docs/api.md is the contract (what a suite, DB, client,
 * generator and checker provide, ownership, threads, exit codes). Headers
 * named *_int.h are faultline's internals and are not installed.
 */
#ifndef FL_FAULTLINE_H
#define FL_FAULTLINE_H

#include "util/common.h"

#include "util/arena.h"
#include "util/base64.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/log.h"
#include "util/map.h"
#include "util/parse.h"
#include "util/rng.h"
#include "util/spawn.h"
#include "util/strbuf.h"
#include "util/vec.h"
#include "util/xalloc.h"

#include "history/edn.h"
#include "history/hist.h"
#include "history/json.h"
#include "history/op.h"
#include "history/val.h"
#include "history/writer.h"

#include "checker/checker.h"
#include "checker/elle/elle.h"
#include "checker/linear/linear.h"
#include "checker/perf.h"
#include "checker/registry.h"
#include "checker/workloads.h"
#include "model/model.h"

#include "gen/gen.h"
#include "gen/sim.h"

#include "control/cluster.h"
#include "control/daemon.h"
#include "control/escape.h"
#include "control/lock.h"
#include "control/remote.h"

#include "db/daemon_db.h"
#include "db/db.h"
#include "os/debian.h"
#include "os/os.h"

#include "nemesis/clock.h"
#include "nemesis/combined.h"
#include "nemesis/file.h"
#include "nemesis/nemesis.h"
#include "nemesis/packet.h"
#include "nemesis/partition.h"

#include "run/client.h"
#include "run/run.h"
#include "run/store.h"
#include "run/test.h"

#include "report/report.h"

#include "workload/workload.h"

#include "cli/main.h"

#endif
