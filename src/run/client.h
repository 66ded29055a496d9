/* SPDX-License-Identifier: MIT */
/*
 * client.h: the client plug-in (Jepsen's jepsen.client). A test holds one
 * seed client (a type plus a `shared` pointer, e.g. connection settings or
 * an in-process store); each worker thread opens its own struct fl_client
 * from it, bound to node `thread mod nnodes`, and reopens it whenever its
 * process changes after an :info (unless the type is reusable). invoke turns
 * an invocation into a completion: :ok when it certainly took effect, :fail
 * when it certainly did not, :info when unknown. Each client does that
 * mapping in one function with its own tests. A client is used by one
 * thread at a time; `shared` is used by all of them at once.
 */
#ifndef FL_CLIENT_H
#define FL_CLIENT_H

#include <stdbool.h>
#include <stddef.h>

#include "history/op.h"
#include "os/os.h"

struct fl_arena;
struct fl_err;
struct fl_client;

struct fl_client_type {
    const char *name; /* "memkv-register", "etcd-kv" */
    /**
     * Keep the same open client after an :info instead of closing it and
     * opening a new one for the thread's next process (Jepsen's Reusable).
     */
    bool reusable;
    /**
     * Bind c (type, shared and node already set, ctx NULL) to its node:
     * connect, and set c->ctx. Must not change the DB's logical state. A
     * failure makes the op that needed the client complete :fail with
     * :error [:no-client msg].
     */
    int (*open)(struct fl_client *c, const struct fl_env *env,
                struct fl_err *err);
    /** Create tables and fixtures (once per node, before the run). */
    int (*setup)(struct fl_client *c, const struct fl_env *env,
                 struct fl_err *err);
    /**
     * Complete op. *out starts as a copy of op with type FL_OP_INFO; set
     * out->type to FL_OP_OK, FL_OP_FAIL or FL_OP_INFO and out->value (and
     * extra keys with fl_op_set_error()/fl_op_set_extra()), allocating in a.
     * A negative return (err filled) records the op :info with
     * :error "indeterminate: <msg>", ending the process. Must not hold any
     * lock shared with other threads for longer than the call.
     */
    int (*invoke)(struct fl_client *c, const struct fl_env *env,
                  const struct fl_op *op, struct fl_arena *a, struct fl_op *out,
                  struct fl_err *err);
    /** Remove what setup created (once per node, after the run). */
    int (*teardown)(struct fl_client *c, const struct fl_env *env,
                    struct fl_err *err);
    /** Release the connection and c->ctx. */
    void (*close)(struct fl_client *c, const struct fl_env *env);
};

struct fl_client {
    const struct fl_client_type *type;
    void *shared; /* the seed's shared state, borrowed */
    void *ctx;    /* this open client's state, owned until close */
    size_t node;  /* index into env->nodes */
    int thread;   /* worker thread it serves; -1 for the per-node setup
                     and teardown clients */
};

/** The seed client of a test. */
struct fl_client_seed {
    const struct fl_client_type *type; /* NULL: the noop client */
    void *shared;                      /* owned; freed with free_shared */
    void (*free_shared)(void *shared); /* may be NULL */
};

/** A client whose every op completes :ok with the invocation's value. */
extern const struct fl_client_type fl_client_noop_type;

/** A client slot that does nothing and succeeds (open, setup, teardown). */
int fl_client_node_noop(struct fl_client *c, const struct fl_env *env,
                        struct fl_err *err);

/* Dispatchers. open fills c (type, shared, node, thread -1, ctx). */
int fl_client_open(struct fl_client *c, const struct fl_client_seed *seed,
                   const struct fl_env *env, size_t node, struct fl_err *err);
/** fl_client_open() for worker thread `thread`. */
int fl_client_open_thread(struct fl_client *c,
                          const struct fl_client_seed *seed,
                          const struct fl_env *env, size_t node, int thread,
                          struct fl_err *err);
int fl_client_setup(struct fl_client *c, const struct fl_env *env,
                    struct fl_err *err);
int fl_client_invoke(struct fl_client *c, const struct fl_env *env,
                     const struct fl_op *op, struct fl_arena *a,
                     struct fl_op *out, struct fl_err *err);
int fl_client_teardown(struct fl_client *c, const struct fl_env *env,
                       struct fl_err *err);
void fl_client_close(struct fl_client *c, const struct fl_env *env);
void fl_client_seed_release(struct fl_client_seed *seed);

#endif
