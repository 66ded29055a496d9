/* SPDX-License-Identifier: MIT */
/*
 * t0905's driver: the client of examples/etcd-register.c (included, its
 * main renamed) against a fake member on 127.0.0.1:2379 of a private
 * network namespace. Each scenario is one line on stdin:
 *   SERVER-ACTIONS OPS  e.g.  "ok,die write,write"
 * The fake member answers request i per action i: "ok" (200, a txn that
 * succeeded), "die" (reads the request whole, then closes its listener and
 * the connection: a member killed after the request arrived), "http503"
 * (503 with grpc-gateway v2's error body, which has no "error" field).
 * Prints what the server received and each op's completion type.
 */
#define main example_main
#include "../../examples/etcd-register.c"
#undef main

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

static void
read_request(int c)
{
    char buf[8192];
    size_t n = 0;
    ssize_t r;
    char *end = NULL;

    while (!end && (r = read(c, buf + n, sizeof(buf) - 1 - n)) > 0) {
        buf[n += (size_t)r] = '\0';
        end = strstr(buf, "\r\n\r\n");
    }
    char *cl = end ? strcasestr(buf, "content-length:") : NULL;
    size_t want = cl ? strtoul(cl + 15, NULL, 10) : 0;
    while (end && (size_t)(buf + n - end - 4) < want &&
           (r = read(c, buf + n, sizeof(buf) - 1 - n)) > 0)
        buf[n += (size_t)r] = '\0';
    printf("server got: %s\n", end ? end + 4 : "(nothing)");
}

static void
serve(int ls, char *actions)
{
    int c = accept(ls, NULL, NULL);

    for (char *a = strtok(actions, ","); a && c >= 0; a = strtok(NULL, ",")) {
        read_request(c);
        fflush(stdout);
        if (strcmp(a, "die") == 0)
            break;
        bool ok = strcmp(a, "ok") == 0;
        const char *body =
            ok ? "{\"header\":{},\"succeeded\":true}"
               : "{\"code\":14,\"message\":\"etcdserver: request timed out\"}";
        char r[512];
        int n = snprintf(
            r, sizeof(r), "HTTP/1.1 %s\r\nContent-Length: %zu\r\n\r\n%s",
            ok ? "200 OK" : "503 Service Unavailable", strlen(body), body);
        if (write(c, r, (size_t)n) < 0)
            break;
    }
    close(ls);
    close(c);
}

/* Listen on 127.0.0.1:2379 and serve actions in a child; its pid. */
static pid_t
fake_member(char *actions)
{
    struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons(2379)};
    int one = 1, ls = socket(AF_INET, SOCK_STREAM, 0);

    inet_pton(AF_INET, "127.0.0.1", &sa.sin_addr);
    setsockopt(ls, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (bind(ls, (struct sockaddr *)&sa, sizeof(sa)) != 0 || listen(ls, 4)) {
        perror("bind 127.0.0.1:2379");
        exit(2);
    }
    pid_t pid = fork();
    if (pid == 0) {
        serve(ls, actions);
        _exit(0);
    }
    close(ls);
    return pid;
}

/* With --no-server, nothing listens: every connect is refused. */
int
main(int argc, char **argv)
{
    char actions[256], ops[256];
    char *nodes[] = {"127.0.0.1"};
    struct fl_arena a = FL_ARENA_INIT;
    struct fl_env env = {.nodes = nodes, .nnodes = 1};
    pid_t pid = -1;

    if (scanf("%255s %255s", actions, ops) != 2)
        return 2;
    curl_global_init(CURL_GLOBAL_DEFAULT);
    env.options = &(fl_val){.kind = FL_V_MAP};
    if (argc < 2 || strcmp(argv[1], "--no-server") != 0)
        pid = fake_member(actions);
    struct fl_client c = {.type = &client_type};
    client_open(&c, &env, NULL);
    for (char *f = strtok(ops, ","); f; f = strtok(NULL, ",")) {
        bool w = strcmp(f, "write") == 0;
        fl_val kv[2] = {fl_val_int(9), fl_val_int(1)};
        struct fl_op op = {.f = w ? FL_KW_WRITE : FL_KW_READ}, out = {0};
        op.value = fl_val_coll(&a, FL_V_VEC, kv, 2);
        client_invoke(&c, &env, &op, &a, &out, NULL);
        printf("%s: %s\n", f,
               out.type == FL_OP_OK     ? "ok"
               : out.type == FL_OP_FAIL ? "fail"
                                        : "info");
        fflush(stdout);
    }
    client_close(&c, &env);
    if (pid > 0)
        waitpid(pid, NULL, 0);
    fl_arena_release(&a);
    return 0;
}
