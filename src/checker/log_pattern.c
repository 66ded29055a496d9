/* SPDX-License-Identifier: MIT */
/*
 * log_pattern.c: Jepsen's log-file-pattern checker. The node logs a run
 * downloaded sit in <store dir>/<node>/; every line of the chosen file (or
 * of every file) of every node directory that matches a regular expression
 * (POSIX extended, e.g. "panic|fatal") is a failure, listed with its node,
 * file and line number. It is the one checker that reads files: only under
 * the directory it is given (the run's store directory), never the history.
 */
#include "util/common.h"

#include "checker/chk_int.h"
#include "checker/workloads.h"

#include <dirent.h>
#include <regex.h>
#include <sys/stat.h>

#include "util/err.h"
#include "util/strbuf.h"
#include "util/vec.h"

#define LP_MAX_MATCHES 100 /* matches listed (all are counted) */
#define LP_MAX_LINE    400 /* bytes of a matching line shown */

struct lp_cfg {
    regex_t re;
    char *pattern;
    char *file;   /* one file name (relative to the node dir), or NULL: all */
    char *dir;    /* the store dir, or NULL: the check's opts->out_dir */
    char **nodes; /* node directory names, or NULL: every subdirectory */
    size_t nnodes;
};

struct lp_state {
    const struct lp_cfg *cfg;
    struct fl_arena *a;
    int64_t count, files;
    FL_VEC(, fl_val) listed;
};

static void
lp_match(struct lp_state *st, const char *node, const char *file,
         int64_t lineno, const char *line, size_t len)
{
    struct fl_chk__map m;

    st->count++;
    if (st->listed.n >= LP_MAX_MATCHES)
        return;
    while (len && (line[len - 1] == '\n' || line[len - 1] == '\r'))
        len--;
    fl_chk__map_init(&m, st->a);
    fl_chk__put_str(&m, "node", node);
    fl_chk__put_str(&m, "file", file);
    fl_chk__put_int(&m, "line-number", lineno);
    fl_chk__put(&m, "line",
                fl_val_str(st->a, line, len < LP_MAX_LINE ? len : LP_MAX_LINE));
    FL_VEC_PUSH(&st->listed, fl_chk__map_done(&m));
}

/* Scan one file; a missing file is no match (the node wrote no log). */
static int
lp_scan_file(struct lp_state *st, const char *path, const char *node,
             const char *file, struct fl_err *err)
{
    FILE *f = fopen(path, "r");
    char *line = NULL;
    size_t cap = 0;
    ssize_t len;
    int64_t lineno = 0;

    if (!f)
        return errno == ENOENT ? 0
                               : fl_err_set(err, -errno,
                                            "log-file-pattern: "
                                            "%s: %s",
                                            path, strerror(errno));
    st->files++;
    while ((len = getline(&line, &cap, f)) >= 0) {
        lineno++;
        if (memchr(line, '\0', (size_t)len)) /* grep --text: NULs are text */
            for (ssize_t i = 0; i < len; i++)
                if (!line[i])
                    line[i] = ' ';
        if (regexec(&st->cfg->re, line, 0, NULL, 0) == 0)
            lp_match(st, node, file, lineno, line, (size_t)len);
    }
    free(line);
    fclose(f);
    return 0;
}

static bool
is_dir(const char *path)
{
    struct stat sb;

    return stat(path, &sb) == 0 && S_ISDIR(sb.st_mode);
}

static int
name_cmp(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The sorted entries of dir that are directories (or files), caller frees. */
static char **
list_dir(const char *dir, bool dirs, size_t *n)
{
    DIR *d = opendir(dir);
    char **names = NULL;
    size_t alloc = 0;
    struct dirent *e;

    *n = 0;
    if (!d)
        return NULL;
    while ((e = readdir(d))) {
        if (e->d_name[0] == '.')
            continue;
        char *p = fl_xasprintf("%s/%s", dir, e->d_name);
        struct stat sb;
        bool ok = lstat(p, &sb) == 0 &&
                  (dirs ? S_ISDIR(sb.st_mode) : S_ISREG(sb.st_mode));
        free(p);
        if (!ok)
            continue;
        FL_ALLOC_GROW(names, *n + 1, alloc);
        names[(*n)++] = fl_xstrdup(e->d_name);
    }
    closedir(d);
    if (*n)
        qsort(names, *n, sizeof(*names), name_cmp);
    return names;
}

static void
free_names(char **v, size_t n)
{
    for (size_t i = 0; i < n; i++)
        free(v[i]);
    free(v);
}

/* Artifact directories of a store dir that are no node's. */
static bool
is_artifact_dir(const char *name)
{
    return strcmp(name, "independent") == 0 || strcmp(name, "elle") == 0;
}

static int
lp_scan_node(struct lp_state *st, const char *dir, const char *node,
             struct fl_err *err)
{
    char *ndir = fl_xasprintf("%s/%s", dir, node);
    int rc = 0;

    if (st->cfg->file) {
        char *p = fl_xasprintf("%s/%s", ndir, st->cfg->file);
        rc = lp_scan_file(st, p, node, st->cfg->file, err);
        free(p);
    } else {
        size_t nf;
        char **files = list_dir(ndir, false, &nf);
        for (size_t i = 0; i < nf && rc == 0; i++) {
            char *p = fl_xasprintf("%s/%s", ndir, files[i]);
            rc = lp_scan_file(st, p, node, files[i], err);
            free(p);
        }
        free_names(files, nf);
    }
    free(ndir);
    return rc;
}

static int
lp_check(const struct fl_checker *c, const struct fl_hist *h,
         const struct fl_chk_opts *opts, struct fl_arena *a,
         struct fl_chk_result *out, struct fl_err *err)
{
    const struct lp_cfg *cfg = c->ctx;
    const char *dir = cfg->dir ? cfg->dir : opts ? opts->out_dir : NULL;
    struct lp_state st = {.cfg = cfg, .a = a};
    char **nodes = cfg->nodes;
    size_t nn = cfg->nnodes;
    int rc = 0;

    FL_UNUSED(h);
    if (!dir || !is_dir(dir))
        return fl_err_set(err, FL_EUSAGE,
                          "log-file-pattern: no store directory%s%s",
                          dir ? " " : "", dir ? dir : "");
    if (!nodes)
        nodes = list_dir(dir, true, &nn);
    for (size_t i = 0; i < nn && rc == 0; i++)
        if (cfg->nodes || !is_artifact_dir(nodes[i]))
            rc = lp_scan_node(&st, dir, nodes[i], err);
    if (rc == 0) {
        struct fl_chk__map m;
        enum fl_verdict v = st.count ? FL_VERDICT_FALSE : FL_VERDICT_TRUE;
        fl_chk__map_init(&m, a);
        fl_chk__put_valid(&m, v);
        fl_chk__put_str(&m, "pattern", cfg->pattern);
        fl_chk__put_int(&m, "files-scanned", st.files);
        fl_chk__put_int(&m, "count", st.count);
        fl_chk__put(&m, "matches",
                    fl_val_coll(a, FL_V_VEC, st.listed.v, st.listed.n));
        out->valid = v;
        out->map = fl_chk__map_done(&m);
    }
    if (!cfg->nodes)
        free_names(nodes, nn);
    FL_VEC_RELEASE(&st.listed);
    return rc;
}

static void
lp_free(struct fl_checker *c)
{
    struct lp_cfg *cfg = c->ctx;

    regfree(&cfg->re);
    free(cfg->pattern);
    free(cfg->file);
    free(cfg->dir);
    free_names(cfg->nodes, cfg->nnodes);
    free(cfg);
    free(c);
}

static const struct fl_checker_type log_pattern_type = {
    .name = "log-file-pattern",
    .check = lp_check,
    .free = lp_free,
};

struct fl_checker *
fl_chk_log_pattern_new(const char *pattern, const char *file, const char *dir,
                       const char *const *nodes, size_t nnodes,
                       struct fl_err *err)
{
    struct lp_cfg *cfg = fl_xcalloc(1, sizeof(*cfg));
    int rc = regcomp(&cfg->re, pattern, REG_EXTENDED | REG_NOSUB);

    if (rc) {
        char msg[128];
        regerror(rc, &cfg->re, msg, sizeof(msg));
        fl_err_set(err, FL_EUSAGE, "log-file-pattern: bad pattern '%s': %s",
                   pattern, msg);
        free(cfg);
        return NULL;
    }
    cfg->pattern = fl_xstrdup(pattern);
    cfg->file = file ? fl_xstrdup(file) : NULL;
    cfg->dir = dir ? fl_xstrdup(dir) : NULL;
    if (nodes && nnodes) {
        cfg->nodes = fl_xcalloc(nnodes, sizeof(*cfg->nodes));
        for (size_t i = 0; i < nnodes; i++)
            cfg->nodes[i] = fl_xstrdup(nodes[i]);
        cfg->nnodes = nnodes;
    }
    return fl_chk__new(&log_pattern_type, cfg);
}
