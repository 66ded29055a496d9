/* SPDX-License-Identifier: MIT */
/*
 * pg_loop.c: a bare libpq loop doing what `faultline test postgres
 * --workload append` does, with no framework around it: T threads, one
 * connection each, transactions of 1..4 micro-ops over a pool of KEYS keys
 * (10; half reads, half appends of unique values, a key retired after 32
 * writes), each statement its own round trip, BEGIN ISOLATION LEVEL
 * SERIALIZABLE ... COMMIT. Prints committed and failed transactions per
 * second; bench/pg-overhead.sh compares them with a faultline run against
 * the same server. Usage: pg_loop CONNINFO [THREADS [SECONDS [KEYS]]].
 */
#include "util/common.h"

#include <libpq-fe.h>
#include <pthread.h>
#include <time.h>

#include "util/parse.h"
#include "util/rng.h"

#define MAX_KEYS 64
#define TABLES   3

struct shared {
    const char *conninfo;
    int64_t end_ns;
    pthread_mutex_t mu;
    int nkeys;                                           /* active keys */
    int64_t next_key, keys[MAX_KEYS], written[MAX_KEYS]; /* under mu */
    int64_t ok, fail;                                    /* under mu */
};

static int64_t
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static bool
run(PGconn *c, const char *sql)
{
    PGresult *r = PQexec(c, sql);
    ExecStatusType st = PQresultStatus(r);

    PQclear(r);
    return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

/* One transaction; its appends counted on commit, as the generator does. */
static bool
txn(struct shared *s, PGconn *c, struct fl_rng *rng)
{
    int n = 1 + (int)fl_rng_below(rng, 4), slots[4];
    int64_t k[4], v[4];
    bool w[4], ok;
    char sql[320];

    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < n; i++) {
        slots[i] = (int)fl_rng_below(rng, (uint64_t)s->nkeys);
        k[i] = s->keys[slots[i]];
        w[i] = fl_rng_below(rng, 2) == 1;
        v[i] = w[i] ? ++s->written[slots[i]] : 0;
    }
    pthread_mutex_unlock(&s->mu);
    ok = run(c, "BEGIN ISOLATION LEVEL SERIALIZABLE");
    for (int i = 0; ok && i < n; i++) {
        int t = (int)(k[i] % TABLES);
        if (w[i])
            snprintf(sql, sizeof(sql),
                     "INSERT INTO bench_txn%d AS t (id, val) VALUES (%" PRId64
                     ", '%" PRId64 "') ON CONFLICT (id) DO UPDATE SET val = "
                     "CONCAT(t.val, ',', '%" PRId64 "')",
                     t, k[i], v[i], v[i]);
        else
            snprintf(sql, sizeof(sql),
                     "SELECT val FROM bench_txn%d WHERE id = %" PRId64, t,
                     k[i]);
        ok = run(c, sql);
    }
    if (ok)
        ok = run(c, "COMMIT");
    else
        run(c, "ROLLBACK");
    pthread_mutex_lock(&s->mu);
    for (int i = 0; i < s->nkeys; i++)
        if (s->written[i] >= 32) {
            s->keys[i] = s->next_key++;
            s->written[i] = 0;
        }
    pthread_mutex_unlock(&s->mu);
    return ok;
}

static void
quiet(void *arg, const char *msg)
{
    (void)arg;
    (void)msg;
}

static void *
worker(void *arg)
{
    struct shared *s = arg;
    struct fl_rng rng;
    int64_t ok = 0, fail = 0;
    PGconn *c = PQconnectdb(s->conninfo);

    PQsetNoticeProcessor(c, quiet, NULL);
    fl_rng_seed(&rng, (uint64_t)now_ns());
    if (PQstatus(c) != CONNECTION_OK) {
        fprintf(stderr, "pg_loop: %s", PQerrorMessage(c));
        PQfinish(c);
        return NULL;
    }
    while (now_ns() < s->end_ns)
        txn(s, c, &rng) ? ok++ : fail++;
    PQfinish(c);
    pthread_mutex_lock(&s->mu);
    s->ok += ok;
    s->fail += fail;
    pthread_mutex_unlock(&s->mu);
    return NULL;
}

int
main(int argc, char **argv)
{
    struct shared s = {.conninfo = argc > 1 ? argv[1] : ""};
    int64_t threads = 10, secs = 20, keys = 10;
    pthread_t th[256];

    if (argc < 2 ||
        (argc > 2 && fl_parse_int64(argv[2], 1, 256, &threads, NULL) != 0) ||
        (argc > 3 && fl_parse_int64(argv[3], 1, 3600, &secs, NULL) != 0) ||
        (argc > 4 && fl_parse_int64(argv[4], 1, MAX_KEYS, &keys, NULL) != 0)) {
        fprintf(stderr, "usage: pg_loop CONNINFO [THREADS [SECONDS [KEYS]]]\n");
        return 254;
    }
    PGconn *c = PQconnectdb(s.conninfo);
    bool made = PQstatus(c) == CONNECTION_OK;
    PQsetNoticeProcessor(c, quiet, NULL);
    for (int i = 0; made && i < TABLES; i++) {
        char sql[128];
        snprintf(sql, sizeof(sql),
                 "CREATE TABLE IF NOT EXISTS bench_txn%d (id bigint PRIMARY "
                 "KEY, val text)",
                 i);
        made = run(c, sql);
    }
    PQfinish(c);
    if (!made) {
        fprintf(stderr, "pg_loop: cannot create tables at '%s'\n", s.conninfo);
        return 255;
    }
    s.nkeys = (int)keys;
    pthread_mutex_init(&s.mu, NULL);
    for (int i = 0; i < s.nkeys; i++)
        s.keys[i] = s.next_key++;
    int64_t t0 = now_ns();
    s.end_ns = t0 + secs * 1000000000;
    for (int64_t i = 0; i < threads; i++)
        pthread_create(&th[i], NULL, worker, &s);
    for (int64_t i = 0; i < threads; i++)
        pthread_join(th[i], NULL);
    double dt = (double)(now_ns() - t0) / 1e9;
    printf("threads %" PRId64 " seconds %.1f ok %" PRId64 " fail %" PRId64
           " ok/s %.1f all/s %.1f\n",
           threads, dt, s.ok, s.fail, (double)s.ok / dt,
           (double)(s.ok + s.fail) / dt);
    return 0;
}
