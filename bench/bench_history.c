/* SPDX-License-Identifier: MIT */
/*
 * bench_history.c: generates a register/cas history of N ops (default one
 * million) the way a Jepsen run would record it, writes it as history.edn,
 * parses it back, and prints MB/s for writing and parsing plus the memory
 * per op (ops array + source lines + arena bytes, divided by N). Also times
 * the JSON-lines writer and reader. Usage: bench_history [N] [DIR].
 */
#include "util/common.h"

#include <time.h>
#include <unistd.h>

#include "history/edn.h"
#include "history/hist.h"
#include "history/json.h"
#include "util/err.h"
#include "util/rng.h"
#include "util/strbuf.h"

static double
now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* CPU time of this process: less sensitive to a busy machine than wall. */
static double
cpu_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* A realistic register history: 10 clients, reads/writes/cas, some fails. */
static void
generate(struct fl_hist *h, size_t n)
{
    struct fl_rng rng;
    int32_t open_f[10];
    fl_val open_v[10];
    bool open[10] = {false};
    int64_t t = 1000000;
    int32_t proc_of[10];

    fl_rng_seed(&rng, 42);
    for (int i = 0; i < 10; i++)
        proc_of[i] = i;
    for (size_t i = 0; i < n; i++) {
        int w = (int)fl_rng_below(&rng, 10);
        struct fl_op op;
        memset(&op, 0, sizeof(op));
        op.index = (int64_t)i;
        t += (int64_t)fl_rng_below(&rng, 200000);
        op.time_ns = t;
        op.pair = -1;
        op.process = proc_of[w];
        op.flags = FL_OP_HAS_INDEX | FL_OP_HAS_TIME | FL_OP_HAS_VALUE;
        if (!open[w]) {
            int k = (int)fl_rng_below(&rng, 3);
            op.type = FL_OP_INVOKE;
            if (k == 0) {
                op.f = FL_KW_READ;
                op.value = fl_val_nil();
            } else if (k == 1) {
                op.f = FL_KW_WRITE;
                op.value = fl_val_int((int64_t)fl_rng_below(&rng, 5));
            } else {
                fl_val items[2] = {fl_val_int((int64_t)fl_rng_below(&rng, 5)),
                                   fl_val_int((int64_t)fl_rng_below(&rng, 5))};
                op.f = FL_KW_CAS;
                op.value = fl_val_coll(&h->arena, FL_V_VEC, items, 2);
            }
            open[w] = true;
            open_f[w] = (int32_t)op.f;
            open_v[w] = op.value;
        } else {
            uint64_t r = fl_rng_below(&rng, 100);
            op.type = r < 80 ? FL_OP_OK : r < 95 ? FL_OP_FAIL : FL_OP_INFO;
            op.f = (uint32_t)open_f[w];
            op.value = open_v[w];
            if (op.f == FL_KW_READ && op.type == FL_OP_OK)
                op.value = fl_val_int((int64_t)fl_rng_below(&rng, 5));
            open[w] = false;
            if (op.type == FL_OP_INFO)
                proc_of[w] += 10;
        }
        fl_hist_append(h, &op);
    }
}

int
main(int argc, char **argv)
{
    size_t n = argc > 1 ? (size_t)strtoull(argv[1], NULL, 10) : 1000000;
    const char *dir = argc > 2 ? argv[2] : "/tmp";
    struct fl_hist gen, h, hj;
    struct fl_err err = FL_ERR_INIT;
    struct fl_strbuf path = FL_STRBUF_INIT, jpath = FL_STRBUF_INIT;
    struct fl_strbuf data = FL_STRBUF_INIT;
    int rc = 1;

    fl_hist_init(&gen);
    fl_hist_init(&h);
    fl_hist_init(&hj);
    generate(&gen, n);
    fl_strbuf_addf(&path, "%s/bench-history-%d.edn", dir, (int)getpid());
    fl_strbuf_addf(&jpath, "%s/bench-history-%d.jsonl", dir, (int)getpid());

    FILE *f = fopen(path.buf, "w");
    if (!f) {
        perror(path.buf);
        goto out;
    }
    double t0 = now_s();
    if (fl_edn_write_hist(f, &gen, &err) < 0 || fclose(f) != 0) {
        fprintf(stderr, "write: %s\n", err.msg);
        goto out;
    }
    double t_write = now_s() - t0;

    if (fl_strbuf_read_file(&data, path.buf) < 0) {
        perror(path.buf);
        goto out;
    }
    double mb = (double)data.len / 1e6;
    size_t edn_bytes = data.len;
    t0 = now_s();
    double c0 = cpu_s();
    if (fl_hist_parse(data.buf, data.len, path.buf, FL_HIST_EDN, &h, &err) <
        0) {
        fprintf(stderr, "parse: %s\n", err.msg);
        goto out;
    }
    double t_parse = now_s() - t0, c_parse = cpu_s() - c0;
    t0 = now_s();
    size_t nwarn = 0;
    if (fl_hist_pair(&h, NULL, &nwarn, &err) < 0) {
        fprintf(stderr, "pair: %s\n", err.msg);
        goto out;
    }
    double t_pair = now_s() - t0;
    for (size_t i = 0; i < n; i++) {
        if (!fl_op_equal(&gen.ops[i], &h.ops[i])) {
            fprintf(stderr, "op %zu differs after write and parse\n", i);
            goto out;
        }
    }
    size_t op_bytes = h.alloc * sizeof(struct fl_op) +
                      (h.lines ? h.alloc * sizeof(uint32_t) : 0);
    size_t arena = h.arena.total_bytes;

    f = fopen(jpath.buf, "w");
    if (!f) {
        perror(jpath.buf);
        goto out;
    }
    t0 = now_s();
    c0 = cpu_s();
    if (fl_json_write_hist(f, &h, &err) < 0 || fclose(f) != 0) {
        fprintf(stderr, "json write: %s\n", err.msg);
        goto out;
    }
    double t_jwrite = now_s() - t0, c_jwrite = cpu_s() - c0;
    /* What --json output costs: printing into memory, no I/O. */
    struct fl_strbuf pr = FL_STRBUF_INIT;
    c0 = cpu_s();
    for (size_t i = 0; i < h.n; i++) {
        fl_json_print_op(&pr, &h.ops[i]);
        fl_strbuf_addch(&pr, '\n');
        if (pr.len > (1u << 20))
            fl_strbuf_reset(&pr);
    }
    double c_jprint = cpu_s() - c0;
    fl_strbuf_release(&pr);
    fl_strbuf_reset(&data);
    if (fl_strbuf_read_file(&data, jpath.buf) < 0) {
        perror(jpath.buf);
        goto out;
    }
    double jmb = (double)data.len / 1e6;
    t0 = now_s();
    c0 = cpu_s();
    if (fl_hist_parse(data.buf, data.len, jpath.buf, FL_HIST_JSON, &hj, &err) <
        0) {
        fprintf(stderr, "json parse: %s\n", err.msg);
        goto out;
    }
    double t_jparse = now_s() - t0, c_jparse = cpu_s() - c0;
    for (size_t i = 0; i < n; i++) {
        if (!fl_op_equal(&h.ops[i], &hj.ops[i])) {
            fprintf(stderr, "op %zu differs after json write and parse\n", i);
            goto out;
        }
    }

    printf("ops                 %zu\n", n);
    printf("history.edn         %.1f MB (%.1f bytes/op)\n", mb,
           (double)edn_bytes / (double)n);
    printf("edn write           %.3f s  %.0f MB/s\n", t_write, mb / t_write);
    printf("edn parse           %.3f s  %.0f MB/s  %.2f Mops/s (cpu %.3f s, "
           "%.0f MB/s)\n",
           t_parse, mb / t_parse, (double)n / t_parse / 1e6, c_parse,
           mb / c_parse);
    printf("pair                %.3f s\n", t_pair);
    printf("memory/op           %.1f bytes (ops+lines %.1f, arena %.1f)\n",
           (double)(op_bytes + arena) / (double)n, (double)op_bytes / (double)n,
           (double)arena / (double)n);
    printf("json write          %.3f s  %.0f MB/s (%.1f MB; cpu %.3f s, "
           "%.0f MB/s)\n",
           t_jwrite, jmb / t_jwrite, jmb, c_jwrite, jmb / c_jwrite);
    printf("json print (memory) cpu %.3f s  %.0f MB/s\n", c_jprint,
           jmb / c_jprint);
    printf("json parse          %.3f s  %.0f MB/s (cpu %.3f s, %.0f MB/s)\n",
           t_jparse, jmb / t_jparse, c_jparse, jmb / c_jparse);
    rc = 0;
out:
    if (!getenv("KEEP"))
        unlink(path.buf);
    unlink(jpath.buf);
    fl_strbuf_release(&data);
    fl_strbuf_release(&path);
    fl_strbuf_release(&jpath);
    fl_hist_release(&gen);
    fl_hist_release(&h);
    fl_hist_release(&hj);
    return rc;
}
