/* SPDX-License-Identifier: MIT */
/*
 * combined.h: the combined package (Jepsen's nemesis.combined) of the
 * single nemeses (nemesis.h): `--nemesis partition,packet,kill,
 * pause,clock,file` (or all/none), one op every --nemesis-interval, aimed at
 * targets (one, minority, majority, all, primaries), with a final generator
 * that heals everything, and the plot regions. Every nemesis heals on
 * teardown; the combined one tears down all of its parts even when one
 * fails. Op :f names and values follow Jepsen (see docs/nemesis.md).
 */
#ifndef FL_COMBINED_H
#define FL_COMBINED_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "nemesis/nemesis.h"

struct fl_db;
struct fl_rng;

enum fl_fault {
    FL_FAULT_PARTITION = 1 << 0,
    FL_FAULT_PACKET = 1 << 1,
    FL_FAULT_KILL = 1 << 2,
    FL_FAULT_PAUSE = 1 << 3,
    FL_FAULT_CLOCK = 1 << 4,
    FL_FAULT_FILE = 1 << 5,
    FL_FAULT_ALL = (1 << 6) - 1,
};

/** "partition,kill", "all" or "none" into a mask; FL_EUSAGE names a bad word.
 */
int fl_nemesis_faults_parse(const char *s, unsigned *out, struct fl_err *err);

struct fl_nemesis_opts {
    unsigned faults;     /* enum fl_fault mask */
    int64_t interval_ns; /* mean time between fault ops; 0 = 10 s */
    const char *targets; /* "one,majority,..."; NULL = Jepsen's defaults */
    const char *partition_targets; /* topologies "primaries,majority,...";
                                      NULL = one, minority-third, majority,
                                      majorities-ring (+ primaries) */
    const struct fl_db *db;        /* its caps enable kill, pause, primaries */
    const char *file_path;  /* file/dir for bitflip and truncate, or NULL */
    const char *lazyfs_dir; /* lazy mount for lose-unfsynced-writes, or NULL */
};

/**
 * o->faults from the option --nemesis of env (absent: dflt, a list as
 * fl_nemesis_faults_parse reads it) and o->targets from --nemesis-targets
 * (absent: left as it is); the other fields are left alone. FL_EUSAGE with
 * err naming --nemesis for a bad list.
 */
struct fl_env;
int fl_nemesis_opts_env(const struct fl_env *env, const char *dflt,
                        struct fl_nemesis_opts *o, struct fl_err *err);

/**
 * Build the combined package for o into *pkg (release with
 * fl_nemesis_package_release). Faults the DB cannot do (kill, pause without
 * the caps; file without a path) are left out with a warning. No faults
 * gives a noop nemesis and NULL generators.
 */
int fl_nemesis_combined(const struct fl_nemesis_opts *o,
                        struct fl_nemesis_package *pkg, struct fl_err *err);

/**
 * Plot regions of the combined package, with Jepsen's colours: the one
 * table of fault colours (plots, timeline, legends, docs/nemesis.md).
 */
extern const struct fl_nemesis_perf fl_nemesis_perfs[];
extern const size_t fl_nemesis_nperfs;
/**
 * The colour ("#RRGGBB", static) of a fault by its name: a perf region's
 * (partition, packet, kill, pause, clock, file; the file faults' own names
 * bitflip, truncate and lose-unfsynced-writes too), grey for a generic
 * "nemesis", and for any other name one of four more, by a hash of the
 * name, so a fault has the same colour in every run.
 */
const char *fl_nemesis_fault_color(const char *fault);

#endif
