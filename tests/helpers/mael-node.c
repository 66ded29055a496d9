/* SPDX-License-Identifier: MIT */
/*
 * mael-node.c: a tiny Maelstrom node in C for tests and the router
 * benchmark (bench/bench_maelstrom.c). It answers init, echo, and ping
 * (with pong); on {"type":"flood","to":"n1","count":K,"window":W} from a
 * client it sends K pings to the node "to", at most W unanswered at a
 * time, and replies flood_ok when every pong is back.
 */
#include "util/common.h"

#include <jansson.h>

static char me[32];
static long long next_id;

struct flood {
    json_t *req; /* the client's flood message, while one runs */
    char to[32];
    long long count, sent, acked, window;
};

static void
emit(const char *dest, json_t *body)
{
    json_t *m =
        json_pack("{s:s, s:s, s:o}", "src", me, "dest", dest, "body", body);
    char *s = json_dumps(m, JSON_COMPACT);

    fputs(s, stdout);
    fputc('\n', stdout);
    free(s);
    json_decref(m);
}

static void
reply(json_t *msg, json_t *body)
{
    json_t *req = json_object_get(msg, "body");

    json_object_set(body, "in_reply_to", json_object_get(req, "msg_id"));
    emit(json_string_value(json_object_get(msg, "src")), body);
}

static void
flood_pump(struct flood *f)
{
    while (f->req && f->sent < f->count && f->sent - f->acked < f->window) {
        emit(f->to, json_pack("{s:s, s:I}", "type", "ping", "msg_id",
                              (json_int_t)++next_id));
        f->sent++;
    }
    if (f->req && f->acked == f->count) {
        reply(f->req, json_pack("{s:s, s:I}", "type", "flood_ok", "count",
                                (json_int_t)f->count));
        json_decref(f->req);
        f->req = NULL;
    }
}

static void
handle(json_t *msg, struct flood *f)
{
    json_t *body = json_object_get(msg, "body");
    const char *type = json_string_value(json_object_get(body, "type"));

    if (!type)
        return;
    if (strcmp(type, "init") == 0) {
        snprintf(me, sizeof(me), "%s",
                 json_string_value(json_object_get(body, "node_id")));
        reply(msg, json_pack("{s:s}", "type", "init_ok"));
    } else if (strcmp(type, "echo") == 0) {
        reply(msg, json_pack("{s:s, s:O}", "type", "echo_ok", "echo",
                             json_object_get(body, "echo")));
    } else if (strcmp(type, "ping") == 0) {
        reply(msg, json_pack("{s:s}", "type", "pong"));
    } else if (strcmp(type, "pong") == 0) {
        f->acked++;
        flood_pump(f);
    } else if (strcmp(type, "flood") == 0 && !f->req) {
        f->req = json_incref(msg);
        snprintf(f->to, sizeof(f->to), "%s",
                 json_string_value(json_object_get(body, "to")));
        f->count = json_integer_value(json_object_get(body, "count"));
        f->window = json_integer_value(json_object_get(body, "window"));
        f->sent = f->acked = 0;
        flood_pump(f);
    }
}

int
main(void)
{
    struct flood f = {0};
    char *line = NULL;
    size_t cap = 0;
    ssize_t n;

    while ((n = getline(&line, &cap, stdin)) > 0) {
        json_t *msg = json_loadb(line, (size_t)n, 0, NULL);
        if (msg)
            handle(msg, &f);
        json_decref(msg);
        fflush(stdout); /* the protocol: every line out at once */
    }
    free(line);
    return 0;
}
