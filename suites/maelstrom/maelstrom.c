/* SPDX-License-Identifier: MIT */
/*
 * maelstrom.c: fl_maelstrom_build(): Maelstrom's options into a struct
 * fl_test (see maelstrom.h): the network and its DB, the broadcast
 * topology, the client, the generators (with Maelstrom's final phase:
 * heal, wait --recovery-time, one read per client), the nemesis package and
 * the composed checker.
 */
#include "util/common.h"

#include "mael_int.h"

#include "checker/workloads.h"
#include "gen/gen.h"
#include "nemesis/combined.h"
#include "run/test.h"
#include "util/clock.h"
#include "util/err.h"
#include "util/parse.h"
#include "util/xalloc.h"

#include <unistd.h>

/* ---- broadcast topologies ---- */

static void
topo_link(json_t *topo, const char *a, const char *b)
{
    json_array_append_new(json_object_get(topo, a), json_string(b));
}

static void
link2(json_t *topo, size_t a, size_t b)
{
    char na[24], nb[24];

    snprintf(na, sizeof(na), "n%zu", a);
    snprintf(nb, sizeof(nb), "n%zu", b);
    topo_link(topo, na, nb);
    topo_link(topo, nb, na);
}

static int
topology(const char *name, size_t n, json_t **out, struct fl_err *err)
{
    json_t *t = json_object();
    size_t w = 1, fan = 0;

    for (size_t i = 0; i < n; i++) {
        char id[24];
        snprintf(id, sizeof(id), "n%zu", i);
        json_object_set_new(t, id, json_array());
    }
    while (w * w < n)
        w++;
    if (strncmp(name, "tree", 4) == 0)
        fan = name[4] ? (size_t)(name[4] - '0') : 2;
    for (size_t i = 0; i < n; i++) {
        if (strcmp(name, "grid") == 0) {
            if ((i + 1) % w != 0 && i + 1 < n)
                link2(t, i, i + 1);
            if (i + w < n)
                link2(t, i, i + w);
        } else if (strcmp(name, "line") == 0) {
            if (i + 1 < n)
                link2(t, i, i + 1);
        } else if (strcmp(name, "total") == 0) {
            for (size_t k = i + 1; k < n; k++)
                link2(t, i, k);
        } else if (fan >= 2 && fan <= 4 && name[5] == '\0') {
            if (i > 0)
                link2(t, i, (i - 1) / fan);
        } else {
            json_decref(t);
            return fl_err_set(err, FL_EUSAGE,
                              "--topology %s: expected grid, line, tree2, "
                              "tree3, tree4 or total",
                              name);
        }
    }
    *out = t;
    return 0;
}

static int
set_topology(const struct fl_maelstrom_opts *o, struct fl_mnet *net, size_t n,
             struct fl_err *err)
{
    json_t *topo = NULL;
    int rc = topology(o->topology ? o->topology : "grid", n, &topo, err);

    if (rc < 0)
        return rc;
    for (size_t i = 0; i < n; i++)
        fl_mnet_set_setup_body(
            net, i,
            json_pack("{s:s, s:O}", "type", "topology", "topology", topo));
    json_decref(topo);
    return 0;
}

/* ---- options ---- */

static int
parse_links(const char *spec, size_t n, int64_t *lat, struct fl_err *err)
{
    char *dup = fl_xstrdup(spec), *save = NULL, *tok;
    int rc = 0;

    for (size_t i = 0; i < n * n; i++)
        lat[i] = -1;
    for (tok = strtok_r(dup, ",", &save); tok && rc == 0;
         tok = strtok_r(NULL, ",", &save)) {
        unsigned a, b;
        double ms;
        int used = 0;
        if (sscanf(tok, "n%u-n%u=%lf%n", &a, &b, &ms, &used) != 3 ||
            tok[used] != '\0' || a >= n || b >= n || ms < 0)
            rc = fl_err_set(err, FL_EUSAGE,
                            "--link-latency: bad link '%s' (expected "
                            "nA-nB=MS with nodes below n%zu)",
                            tok, n);
        else
            lat[a * n + b] = lat[b * n + a] = (int64_t)(ms * 1e6);
    }
    free(dup);
    return rc;
}

static int
parse_concurrency(const char *s, int nodes, int *out, struct fl_err *err)
{
    size_t len = strlen(s);
    bool per_node = len > 0 && s[len - 1] == 'n';
    char *num = fl_xstrndup(s, per_node ? len - 1 : len);
    int64_t v = 0;
    int rc = fl_parse_int64(num, 1, 10000, &v, NULL);

    free(num);
    if (rc < 0)
        return fl_err_set(err, FL_EUSAGE,
                          "--concurrency %s: expected N or Nn (N per node)", s);
    *out = (int)(per_node ? v * nodes : v);
    return 0;
}

static int
parse_availability(const char *s, double *out, struct fl_err *err)
{
    if (strcmp(s, "total") == 0) {
        *out = 1.0;
        return 0;
    }
    if (fl_parse_double(s, out, NULL) < 0 || *out < 0 || *out > 1)
        return fl_err_set(err, FL_EUSAGE,
                          "--availability %s: expected a fraction in [0, 1] "
                          "or total",
                          s);
    return 0;
}

static int
parse_dist(const char *s, enum fl_mnet_latency_dist *d, struct fl_err *err)
{
    if (!s || strcmp(s, "constant") == 0)
        *d = FL_MNET_CONSTANT;
    else if (strcmp(s, "uniform") == 0)
        *d = FL_MNET_UNIFORM;
    else if (strcmp(s, "exponential") == 0)
        *d = FL_MNET_EXPONENTIAL;
    else
        return fl_err_set(err, FL_EUSAGE,
                          "--latency-dist %s: expected constant, uniform or "
                          "exponential",
                          s);
    return 0;
}

/* ---- the parts ---- */

static int
build_nemesis(const struct fl_maelstrom_opts *o, struct fl_test *t,
              struct fl_mnet *net, struct fl_err *err)
{
    unsigned faults = 0;
    struct fl_nemesis *parts[3];
    size_t np = 0;
    int rc;

    if (!o->nemesis || !*o->nemesis || strcmp(o->nemesis, "none") == 0)
        return 0;
    rc = fl_nemesis_faults_parse(o->nemesis, &faults, err);
    if (rc < 0)
        return rc;
    if (faults &
        ~(unsigned)(FL_FAULT_PARTITION | FL_FAULT_KILL | FL_FAULT_PAUSE))
        return fl_err_set(err, FL_EUSAGE,
                          "--nemesis %s: maelstrom nodes know partition, kill "
                          "and pause",
                          o->nemesis);
    struct fl_nemesis_opts no = {
        .faults = faults,
        .interval_ns = o->nemesis_interval_ns,
        .db = t->db,
    };
    rc = fl_nemesis_combined(&no, &t->nemesis, err);
    if (rc < 0)
        return rc;
    /* Same schedule and plot regions; partitions cut simulated links. */
    fl_nemesis_free(t->nemesis.nemesis);
    if (faults & FL_FAULT_PARTITION)
        parts[np++] = fl_mael_partition_new(net);
    if (faults & FL_FAULT_KILL)
        parts[np++] = fl_nem_kill_new();
    if (faults & FL_FAULT_PAUSE)
        parts[np++] = fl_nem_pause_new();
    t->nemesis.nemesis = fl_nem_compose(parts, np, err);
    return t->nemesis.nemesis ? 0 : FL_EUSAGE;
}

static void
build_checker(const struct fl_maelstrom_opts *o, struct fl_test *t,
              struct fl_checker *work, struct fl_mnet *net, double avail)
{
    const char *names[5] = {"workload", "stats", "exceptions", "net",
                            "availability"};
    struct fl_checker *cs[5] = {work, fl_chk_stats_new(),
                                fl_chk_exceptions_new(),
                                fl_mael_chk_net_new(net), NULL};
    size_t n = 4;

    if (o->availability)
        cs[n++] = fl_mael_chk_availability_new(avail);
    t->checker = fl_chk_compose_new(names, cs, n);
}

static void
record_options(const struct fl_maelstrom_opts *o, struct fl_test *t)
{
    fl_test_set_opt_str(t, "workload", o->workload);
    fl_test_set_opt_str(t, "bin", o->argv[0]);
    fl_test_set_opt_int(t, "node-count", o->node_count);
    fl_test_set_opt_int(t, "latency-ms", o->latency_ns / FL_NS_PER_MS);
    fl_test_set_opt_str(t, "latency-dist",
                        o->latency_dist ? o->latency_dist : "constant");
    fl_test_set_opt_str(t, "nemesis", o->nemesis ? o->nemesis : "none");
    fl_test_set_opt_int(t, "time-limit-ms", o->time_limit_ns / FL_NS_PER_MS);
    if (o->topology)
        fl_test_set_opt_str(t, "topology", o->topology);
    if (o->availability)
        fl_test_set_opt_str(t, "availability", o->availability);
    fl_test_set_opt_bool(t, "deterministic", o->deterministic);
    /* What the checkers depend on, for faultline analyze. */
    if (o->key_count > 0)
        fl_test_set_opt_int(t, "key-count", o->key_count);
    if (o->max_txn_length > 0)
        fl_test_set_opt_int(t, "max-txn-length", o->max_txn_length);
    if (o->max_writes_per_key > 0)
        fl_test_set_opt_int(t, "max-writes-per-key", o->max_writes_per_key);
    if (o->consistency_models)
        fl_test_set_opt_str(t, "consistency-models", o->consistency_models);
}

/*
 * --deterministic with one client thread: the run's clock is virtual, kept
 * in t's arena (it must outlive the network): the interpreter moves it
 * between ops, the network while one is in flight, so op times, the time
 * limit, the rate and the recovery time are virtual too. With more client
 * threads, when the interpreter hands out an op would depend on how far
 * the network has got: the run keeps the real clock.
 */
static struct fl_clock *
det_clock(const struct fl_maelstrom_opts *o, struct fl_test *t)
{
    struct fl_clock *c;

    if (!o->deterministic || t->concurrency != 1)
        return NULL;
    c = fl_arena_alloc(&t->arena, sizeof(*c));
    memset(c, 0, sizeof(*c));
    fl_clock_fake_init(c, 0);
    c->driven = true;
    t->env.clock = c;
    return c;
}

static int
build_net(const struct fl_maelstrom_opts *o, struct fl_test *t,
          struct fl_mnet **out, struct fl_err *err)
{
    size_t n = (size_t)o->node_count;
    struct fl_mnet_opts no = {
        .nnodes = n,
        .argv = o->argv,
        .latency_ns = o->latency_ns,
        .loss = o->loss,
        .seed = t->seed,
        .journal = !o->no_journal,
        .log_stderr = o->log_stderr,
        .deterministic = o->deterministic,
        .clock = det_clock(o, t),
        .det_gap_ns = o->rate > 0 ? (int64_t)(1e9 / o->rate) : 0,
    };
    int64_t *links = NULL;
    int rc = parse_dist(o->latency_dist, &no.dist, err);

    if (rc == 0 && o->link_latency) {
        links = fl_xcalloc(n * n, sizeof(int64_t));
        rc = parse_links(o->link_latency, n, links, err);
        no.link_latency_ns = links;
    }
    if (rc == 0) {
        *out = fl_mnet_new(&no); /* copies the overrides */
    }
    free(links);
    return rc;
}

int
fl_maelstrom_build(const struct fl_maelstrom_opts *o, struct fl_test *t,
                   struct fl_err *err)
{
    const struct fl_mwork *w = fl_mael_work_find(o->workload);
    struct fl_mnet *net = NULL;
    double avail = 0;
    int rc;

    if (!w)
        return fl_err_set(
            err, FL_EUSAGE,
            "--workload %s: not a maelstrom workload (echo, "
            "unique-ids, broadcast, g-set, g-counter, "
            "pn-counter, lin-kv, txn-list-append, txn-rw-register, kafka)",
            o->workload);
    if (!o->argv || !o->argv[0])
        return fl_err_set(err, FL_EUSAGE, "--bin is required");
    if (strchr(o->argv[0], '/') && access(o->argv[0], X_OK) != 0)
        return fl_err_set(err, FL_EUSAGE, "--bin %s: %s", o->argv[0],
                          strerror(errno));
    if (o->node_count < 1 || o->node_count > 1000)
        return fl_err_set(err, FL_EUSAGE, "--node-count %d: expected 1..1000",
                          o->node_count);
    if (o->loss < 0 || o->loss > 1)
        return fl_err_set(err, FL_EUSAGE, "--loss: expected a probability");
    if (o->availability &&
        (rc = parse_availability(o->availability, &avail, err)) < 0)
        return rc;
    rc = parse_concurrency(o->concurrency ? o->concurrency : "1n",
                           o->node_count, &t->concurrency, err);
    if (rc < 0)
        return rc;
    fl_test_set_name(t, o->workload);
    for (int i = 0; i < o->node_count; i++) {
        char id[24];
        snprintf(id, sizeof(id), "n%d", i);
        fl_test_add_node(t, id);
    }
    t->suite = &fl_maelstrom_suite;
    t->seed = o->seed;
    t->time_limit_ns = o->time_limit_ns;
    t->rate_hz = o->rate;
    t->nemesis_interval_ns = o->nemesis_interval_ns;
    t->op_timeout_ns = o->rpc_timeout_ns + 5 * FL_NS_PER_S;
    t->no_remotes = true;
    record_options(o, t);
    rc = build_net(o, t, &net, err);
    if (rc < 0)
        return rc;
    t->db = fl_mael_db_new(net);
    if (strcmp(w->name, "broadcast") == 0 &&
        (rc = set_topology(o, net, (size_t)o->node_count, err)) < 0)
        return rc;
    struct fl_mael_shared *sh = fl_xcalloc(1, sizeof(*sh));
    sh->net = net;
    sh->work = w;
    sh->rpc_timeout_ns = o->rpc_timeout_ns;
    if (o->deterministic && t->concurrency != 1 && w->final_reads) {
        sh->final_after_ns = o->time_limit_ns;
        sh->recovery_ns = o->recovery_ns;
    }
    t->client.type = &fl_mael_client_type;
    t->client.shared = sh;
    t->client.free_shared = free;
    struct fl_checker *wc = w->build(o, t, err);
    if (!wc)
        return err->code ? err->code : FL_EUSAGE;
    if (w->final_reads) {
        /* One read each; kafka consumers poll a few times to catch up. */
        bool kafka = strcmp(w->name, "kafka") == 0;
        struct fl_gen *one = fl_gen_invoke(
            kafka ? fl_kw_intern_cstr("poll") : FL_KW_READ, fl_val_nil());
        struct fl_gen *fin[2] = {
            fl_gen_sleep(o->recovery_ns),
            fl_gen_each_thread(kafka ? fl_gen_repeat(5, one) : one)};
        t->final_generator = fl_gen_seq(fin, 2);
    }
    build_checker(o, t, wc, net, avail);
    fl_test_sync_env(t);
    return build_nemesis(o, t, net, err);
}

/*
 * faultline analyze: the checker of a stored run, from the options its
 * test.edn recorded; net keeps the run's own counters (results.edn).
 */
static int
rebuild(struct fl_test *t, struct fl_err *err)
{
    const struct fl_env *e = &t->env;
    struct fl_maelstrom_opts o = {
        .workload = fl_env_opt_str(e, "workload", "lin-kv"),
        .node_count = (int)fl_env_opt_int(e, "node-count", 5),
        .availability = fl_env_opt_str(e, "availability", NULL),
        .key_count = fl_env_opt_int(e, "key-count", 0),
        .max_txn_length = fl_env_opt_int(e, "max-txn-length", 0),
        .max_writes_per_key = fl_env_opt_int(e, "max-writes-per-key", 0),
        .consistency_models = fl_env_opt_str(e, "consistency-models", NULL),
    };
    const struct fl_mwork *w = fl_mael_work_find(o.workload);
    struct fl_checker *wc;
    double avail = 0;
    int rc;

    if (!w)
        return fl_err_set(err, FL_EUSAGE,
                          ":workload %s: not a maelstrom "
                          "workload",
                          o.workload);
    if (o.availability &&
        (rc = parse_availability(o.availability, &avail, err)) < 0)
        return rc;
    wc = w->build(&o, t, err);
    if (!wc)
        return err->code ? err->code : FL_EUSAGE;
    build_checker(&o, t, wc, NULL, avail);
    return 0;
}

const struct fl_suite fl_maelstrom_suite = {
    .name = "maelstrom",
    .summary = "faultline maelstrom test (re-checked by faultline analyze)",
    .in_process = true,
    .build = rebuild,
};
