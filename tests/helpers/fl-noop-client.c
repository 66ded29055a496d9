/* SPDX-License-Identifier: MIT */
/*
 * fl-noop-client.c: the smallest correct client of faultline's JSON-lines
 * protocol (docs/client-protocol.md), in plain C with no library: it
 * answers every request {"type":"ok"} (so an op keeps its invocation's
 * value) and exits after close. bench/bench_client_cmd uses it to measure
 * what --client-cmd costs per op; it also shows that a client need not
 * parse more JSON than the "type" member.
 */
#define _GNU_SOURCE /* getline */
#include <stdio.h>
#include <string.h>

int
main(void)
{
    char *line = NULL;
    size_t cap = 0;

    while (getline(&line, &cap, stdin) > 0) {
        fputs("{\"type\":\"ok\"}\n", stdout);
        fflush(stdout);
        if (strstr(line, "\"type\":\"close\""))
            break;
    }
    return 0;
}
