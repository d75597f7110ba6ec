/*
 * canopy-launch: the one privileged step of running a user's job on a node.
 *
 * job-exec (in the broker, Java) never runs anything a user controls with privileges. It hands
 * this small program a request over its standard input and output: who (a uid), what (argv, env,
 * directory, output files), which job. The launcher resolves the user through NSS, makes the job's
 * cgroup (v2, v1, or both as on a hybrid host), and for each task forks a child that joins the
 * cgroup, starts a session, drops to the user's uid, gid and supplementary groups, and only then
 * touches anything the user named: the directory, the output files, the PATH search, the
 * environment. It stays alive while the tasks run: it relays their output, reports their exit
 * statuses, signals the whole job on request, and when the tasks are over it kills whatever they
 * left behind (in the cgroup, or as a child subreaper without one), reports the job's CPU time and
 * peak memory, and removes the cgroup. If the broker goes away (end of input), the job is killed.
 *
 * It is started in one of two ways, and behaves the same in both:
 *  - directly by a broker running as root (pipes on fds 0 and 1);
 *  - by systemd, one instance per connection of canopy-launch.socket (Accept=yes), for a broker
 *    running as the unprivileged canopy user: fd 0 and 1 are the connection, and the peer's
 *    credentials (SO_PEERCRED) must be root or an --allow-peer user. Such a peer may start tasks
 *    as itself or as any uid >= --min-uid, never as root.
 * It is never installed set-user-ID and refuses to run if it is.
 *
 * Protocol: frames of (type: 1 byte, length: 4 bytes big-endian, payload). docs/jobs.md has the
 * table. Build: cc -O2 -Wall -Wextra -o canopy-launch canopy-launch.c
 */
#define _GNU_SOURCE
#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <limits.h>
#include <poll.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statfs.h>
#include <sys/time.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#ifndef CGROUP2_SUPER_MAGIC
#define CGROUP2_SUPER_MAGIC 0x63677270
#endif
#ifndef CGROUP_SUPER_MAGIC
#define CGROUP_SUPER_MAGIC 0x27e0eb
#endif

#define PROTOCOL "canopy-launch 1"
#define MAX_REQUEST (4u << 20)   /* all request frames together */
#define MAX_FRAME (1u << 20)     /* one frame from the broker */
#define MAX_ARGS 4096
#define MAX_ENV 8192
#define MAX_TASKS 4096
#define MAX_GROUPS 65536
#define CHUNK 65536
#define DEFAULT_PATH "/usr/local/bin:/usr/bin:/bin"

/* ---- frames ---- */

static int out_fd = 1;      /* frames to the broker */
static int broker_gone;     /* the broker closed its end: write nothing more */

static int write_all(int fd, const void *buf, size_t n) {
    const char *p = buf;
    while (n > 0) {
        ssize_t w = write(fd, p, n);
        if (w < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        p += w;
        n -= (size_t)w;
    }
    return 0;
}

static int read_full(int fd, void *buf, size_t n) {
    char *p = buf;
    while (n > 0) {
        ssize_t r = read(fd, p, n);
        if (r < 0) {
            if (errno == EINTR) continue;
            return -1;
        }
        if (r == 0) return p == (char *)buf ? 0 : -1; /* EOF: clean only between frames */
        p += r;
        n -= (size_t)r;
    }
    return 1;
}

/* Sends a frame whose payload is an optional 4-byte task index, then data. */
static void send_frame(char type, long task, const void *data, size_t len) {
    if (broker_gone) return;
    unsigned char hdr[9];
    size_t extra = task >= 0 ? 4 : 0;
    uint32_t total = (uint32_t)(len + extra);
    hdr[0] = (unsigned char)type;
    hdr[1] = total >> 24; hdr[2] = total >> 16; hdr[3] = total >> 8; hdr[4] = total;
    if (task >= 0) {
        uint32_t t = (uint32_t)task;
        hdr[5] = t >> 24; hdr[6] = t >> 16; hdr[7] = t >> 8; hdr[8] = t;
    }
    if (write_all(out_fd, hdr, 5 + extra) < 0 || (len > 0 && write_all(out_fd, data, len) < 0)) {
        broker_gone = 1;
    }
}

static void send_text(char type, const char *fmt, ...) {
    char buf[4096];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (n < 0) n = 0;
    if ((size_t)n >= sizeof buf) n = sizeof buf - 1;
    send_frame(type, -1, buf, (size_t)n);
}

/* A refusal before any task runs: "errno message", then exit. */
static void fail(int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 2, 3)));
static void fail(int err, const char *fmt, ...) {
    char msg[3800];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof msg, fmt, ap);
    va_end(ap);
    send_text('F', "%d %s", err, msg);
    _exit(1);
}

/* ---- the request ---- */

struct request {
    uid_t uid;
    long long jobid;
    char scope[65];
    char mode[16];           /* auto, cgroup-v1, cgroup-v2, process-group */
    char *cwd, *out, *err;
    char *argv[MAX_ARGS + 1];
    int argc;
    char *env[MAX_ENV + 2];  /* + CANOPY_TASK_RANK + NULL */
    int envc;
    int tasks[MAX_TASKS];
    int ntasks;
    int have_uid, have_job;
};

static int valid_scope(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > 64) return 0;
    for (; *s; s++) {
        if (!isalnum((unsigned char)*s) && *s != '.' && *s != '_' && *s != '-') return 0;
    }
    return 1;
}

static int parse_number(const char *s, long long min, long long max, long long *out) {
    if (*s == '\0') return -1;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (errno || *end || v < min || v > max) return -1;
    *out = v;
    return 0;
}

/* Reads request frames up to 'G' (go). The first frame has already been read: it was 'R'. */
static void read_request(struct request *rq) {
    size_t total = 0;
    for (;;) {
        unsigned char hdr[5];
        int r = read_full(0, hdr, 5);
        if (r <= 0) _exit(1); /* the broker left before finishing its request */
        uint32_t len = (uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 8 | hdr[4];
        total += 5 + len;
        if (len > MAX_FRAME || total > MAX_REQUEST) fail(E2BIG, "request too large (at most %u bytes)", MAX_REQUEST);
        char *v = malloc(len + 1);
        if (!v) fail(ENOMEM, "out of memory reading the request");
        if (len > 0 && read_full(0, v, len) <= 0) _exit(1);
        v[len] = '\0';
        if (memchr(v, '\0', len)) fail(EINVAL, "request frame '%c' holds a NUL byte", hdr[0]);
        long long n;
        switch (hdr[0]) {
        case 'u':
            if (parse_number(v, 0, 4294967294LL, &n) < 0) fail(EINVAL, "bad uid '%s'", v);
            rq->uid = (uid_t)n;
            rq->have_uid = 1;
            break;
        case 'j':
            if (parse_number(v, 0, LLONG_MAX, &n) < 0) fail(EINVAL, "bad job id '%s'", v);
            rq->jobid = n;
            rq->have_job = 1;
            break;
        case 's':
            if (!valid_scope(v)) fail(EINVAL, "bad scope '%s' (1-64 of A-Z a-z 0-9 . _ -)", v);
            strcpy(rq->scope, v);
            break;
        case 'm':
            if (strcmp(v, "auto") && strcmp(v, "cgroup-v1") && strcmp(v, "cgroup-v2") && strcmp(v, "process-group"))
                fail(EINVAL, "bad containment '%s' (auto, cgroup-v1, cgroup-v2 or process-group)", v);
            strcpy(rq->mode, v);
            break;
        case 'd': rq->cwd = v; continue;
        case 'o': rq->out = v; continue;
        case 'e': rq->err = v; continue;
        case 'a':
            if (rq->argc >= MAX_ARGS) fail(E2BIG, "more than %d arguments", MAX_ARGS);
            rq->argv[rq->argc++] = v;
            continue;
        case 'v':
            if (rq->envc >= MAX_ENV) fail(E2BIG, "more than %d environment variables", MAX_ENV);
            if (v[0] == '=' || !strchr(v, '=')) fail(EINVAL, "bad environment entry '%.100s' (NAME=VALUE)", v);
            if (strncmp(v, "CANOPY_TASK_RANK=", 17) == 0) break; /* set per task here */
            rq->env[rq->envc++] = v;
            continue;
        case 't':
            if (rq->ntasks >= MAX_TASKS) fail(E2BIG, "more than %d tasks on one node", MAX_TASKS);
            if (parse_number(v, 0, INT_MAX, &n) < 0) fail(EINVAL, "bad task rank '%s'", v);
            rq->tasks[rq->ntasks++] = (int)n;
            break;
        case 'G':
            free(v);
            if (!rq->have_uid || !rq->have_job || !rq->scope[0]) fail(EINVAL, "request without uid, job id or scope");
            if (rq->argc == 0) fail(EINVAL, "job %lld has no command", rq->jobid);
            if (rq->ntasks == 0) fail(EINVAL, "job %lld has no task for this node", rq->jobid);
            if (!rq->cwd || rq->cwd[0] != '/') fail(EINVAL, "the job's directory must be an absolute path");
            return;
        default:
            fail(EPROTO, "unknown request frame '%c'", isprint(hdr[0]) ? hdr[0] : '?');
        }
        free(v);
    }
}

/* ---- who may ask for what ---- */

static uid_t allowed_peers[16];
static int npeers;
static long long min_uid = 1000;

static uid_t caller_uid(int *is_socket) {
    struct stat st;
    *is_socket = fstat(0, &st) == 0 && S_ISSOCK(st.st_mode);
    if (!*is_socket) return getuid(); /* our parent started us: it runs as our uid */
    struct ucred cr;
    socklen_t len = sizeof cr;
    if (getsockopt(0, SOL_SOCKET, SO_PEERCRED, &cr, &len) < 0) fail(EPERM, "cannot read the peer's credentials: %s", strerror(errno));
    return cr.uid;
}

static void check_peer(uid_t peer) {
    if (peer == 0 || peer == geteuid()) return;
    for (int i = 0; i < npeers; i++) {
        if (allowed_peers[i] == peer) return;
    }
    fail(EPERM, "uid %u may not use this launcher (allowed: root and its --allow-peer users)", (unsigned)peer);
}

static void authorize(uid_t caller, uid_t uid) {
    if (geteuid() != 0) {
        if (uid != geteuid())
            fail(EPERM, "this launcher runs as uid %u and cannot start tasks as uid %u (run the broker as root, "
                 "or through the canopy-launch socket)", (unsigned)geteuid(), (unsigned)uid);
        return;
    }
    if (caller == 0) return; /* a root broker: it could do anything anyway */
    if (uid == 0) fail(EPERM, "refusing to start tasks as root for a broker running as uid %u", (unsigned)caller);
    if (uid != caller && (long long)uid < min_uid)
        fail(EPERM, "refusing to start tasks as uid %u: below this launcher's --min-uid=%lld", (unsigned)uid, min_uid);
}

/* ---- cgroups ---- */

enum { H_V2, H_FREEZER, H_MEMORY, H_CPUACCT, H_PIDS, H_COUNT };
static const char *hname[H_COUNT] = {"", "freezer", "memory", "cpuacct", "pids"};

struct hier {
    char mount[PATH_MAX];  /* where it is mounted */
    char own[PATH_MAX];    /* our own cgroup in it, as a file system path */
    char job[PATH_MAX];    /* the job's cgroup, once made */
    int present, used;
};
static struct hier H[H_COUNT];
static int track = -1;     /* the hierarchy that holds every process of the job; -1: process groups */
static char containment[64] = "process-group";
static char cg_note[512];  /* why there is no cgroup, if there is none */

/* Reads /proc/self/mountinfo and /proc/self/cgroup: where each hierarchy is, and our place in it. */
static void find_hierarchies(void) {
    FILE *f = fopen("/proc/self/mountinfo", "re");
    char line[4096];
    char root[H_COUNT][PATH_MAX] = {{0}};
    while (f && fgets(line, sizeof line, f)) {
        char *sep = strstr(line, " - ");
        if (!sep) continue;
        char mroot[PATH_MAX], mpoint[PATH_MAX], fstype[64], src[256], opts[1024];
        if (sscanf(line, "%*s %*s %*s %4095s %4095s", mroot, mpoint) != 2) continue;
        if (sscanf(sep + 3, "%63s %255s %1023s", fstype, src, opts) != 3) continue;
        int h = -1;
        if (strcmp(fstype, "cgroup2") == 0) {
            h = H_V2;
        } else if (strcmp(fstype, "cgroup") == 0) {
            char *save, *tok, copy[1024];
            snprintf(copy, sizeof copy, "%s", opts);
            for (tok = strtok_r(copy, ",", &save); tok && h < 0; tok = strtok_r(NULL, ",", &save)) {
                for (int k = H_FREEZER; k < H_COUNT; k++) {
                    if (strcmp(tok, hname[k]) == 0) h = k;
                }
            }
        }
        if (h < 0 || H[h].present) continue;
        snprintf(H[h].mount, sizeof H[h].mount, "%s", mpoint);
        snprintf(root[h], sizeof root[h], "%s", mroot);
        H[h].present = 1;
    }
    if (f) fclose(f);
    f = fopen("/proc/self/cgroup", "re");
    int found[H_COUNT] = {0};
    while (f && fgets(line, sizeof line, f)) {
        line[strcspn(line, "\n")] = '\0';
        char *c1 = strchr(line, ':');
        char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
        if (!c2) continue;
        *c2 = '\0';
        const char *ctrls = c1 + 1, *path = c2 + 1;
        int h = -1;
        if (strncmp(line, "0:", 2) == 0 && *ctrls == '\0') {
            h = H_V2;
        } else {
            char copy[512], *save, *tok;
            snprintf(copy, sizeof copy, "%s", ctrls);
            for (tok = strtok_r(copy, ",", &save); tok && h < 0; tok = strtok_r(NULL, ",", &save)) {
                for (int k = H_FREEZER; k < H_COUNT; k++) {
                    if (strcmp(tok, hname[k]) == 0) h = k;
                }
            }
        }
        if (h < 0 || !H[h].present) continue;
        /* the path is relative to the hierarchy's root; the mount may show a subtree of it */
        size_t rl = strlen(root[h]);
        if (strcmp(root[h], "/") == 0) rl = 0;
        if (rl && (strncmp(path, root[h], rl) != 0 || (path[rl] != '/' && path[rl] != '\0'))) continue;
        char mount[PATH_MAX];
        snprintf(mount, sizeof mount, "%s", H[h].mount);
        snprintf(H[h].own, sizeof H[h].own, "%s%s", mount, strcmp(path + rl, "/") == 0 ? "" : path + rl);
        found[h] = 1;
    }
    if (f) fclose(f);
    for (int h = 0; h < H_COUNT; h++) {
        if (!found[h]) H[h].present = 0;
    }
}

static int is_cgroupfs(const char *path) {
    struct statfs s;
    return statfs(path, &s) == 0 && (s.f_type == CGROUP2_SUPER_MAGIC || s.f_type == CGROUP_SUPER_MAGIC);
}

static int write_file(const char *dir, const char *file, const char *text) {
    char p[PATH_MAX];
    if (snprintf(p, sizeof p, "%s/%s", dir, file) >= (int)sizeof p) { errno = ENAMETOOLONG; return -1; }
    int fd = open(p, O_WRONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return -1;
    int rc = write_all(fd, text, strlen(text));
    int e = errno;
    close(fd);
    errno = e;
    return rc;
}

static long long read_number(const char *dir, const char *file, const char *key) {
    char p[PATH_MAX], line[256];
    snprintf(p, sizeof p, "%s/%s", dir, file);
    FILE *f = fopen(p, "re");
    if (!f) return -1;
    long long v = -1;
    while (fgets(line, sizeof line, f)) {
        if (!key) { v = strtoll(line, NULL, 10); break; }
        size_t kl = strlen(key);
        if (strncmp(line, key, kl) == 0 && line[kl] == ' ') { v = strtoll(line + kl + 1, NULL, 10); break; }
    }
    fclose(f);
    return v;
}

static int mkdir_in(const char *dir, const char *name, char *out, size_t outlen) {
    if ((size_t)snprintf(out, outlen, "%s/%s", dir, name) >= outlen) { errno = ENAMETOOLONG; return -1; }
    if (mkdir(out, 0755) < 0 && errno != EEXIST) return -1;
    struct stat st;
    if (lstat(out, &st) < 0 || !S_ISDIR(st.st_mode) || !is_cgroupfs(out)) { errno = ENOTDIR; return -1; }
    return 0;
}

/* The pids in a cgroup, into *pids (grown as needed); returns how many. */
static int cgroup_pids(const char *dir, pid_t **pids, int *cap) {
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/cgroup.procs", dir);
    FILE *f = fopen(p, "re");
    if (!f) return 0;
    int n = 0;
    long v;
    while (fscanf(f, "%ld", &v) == 1) {
        if (n == *cap) {
            *cap = *cap ? *cap * 2 : 64;
            *pids = realloc(*pids, (size_t)*cap * sizeof **pids);
            if (!*pids) { fclose(f); return 0; }
        }
        (*pids)[n++] = (pid_t)v;
    }
    fclose(f);
    return n;
}

/* v2: let the job's cgroup have memory and pids controllers, where the parents allow it. */
static void enable_v2_controllers(const char *scope_dir) {
    char avail[512] = "";
    char p[PATH_MAX];
    snprintf(p, sizeof p, "%s/cgroup.controllers", H[H_V2].own);
    FILE *f = fopen(p, "re");
    if (f) {
        if (!fgets(avail, sizeof avail, f)) avail[0] = '\0';
        fclose(f);
    }
    const char *want[] = {"memory", "pids"};
    for (size_t i = 0; i < sizeof want / sizeof *want; i++) {
        char tok[32];
        snprintf(tok, sizeof tok, "+%s", want[i]);
        if (!strstr(avail, want[i])) continue;
        if (write_file(H[H_V2].own, "cgroup.subtree_control", tok) < 0 && errno == EBUSY) {
            /* our own cgroup holds processes (a systemd unit's, with Delegate=yes): when we are the only
               one, move into a leaf of it so that its children may have controllers */
            pid_t *pids = NULL;
            int cap = 0, n = cgroup_pids(H[H_V2].own, &pids, &cap);
            char leaf[PATH_MAX], me[32];
            if (n == 1 && pids[0] == getpid() && mkdir_in(H[H_V2].own, "launcher", leaf, sizeof leaf) == 0) {
                snprintf(me, sizeof me, "%d", (int)getpid());
                if (write_file(leaf, "cgroup.procs", me) == 0)
                    write_file(H[H_V2].own, "cgroup.subtree_control", tok);
            }
            free(pids);
        }
        write_file(scope_dir, "cgroup.subtree_control", tok);
    }
}

/* Makes the job's cgroups, per the mode; on failure, process groups (and a note why). */
static void make_cgroups(const struct request *rq) {
    find_hierarchies();
    int want_v2 = strcmp(rq->mode, "cgroup-v1") != 0 && strcmp(rq->mode, "process-group") != 0;
    int want_v1 = strcmp(rq->mode, "cgroup-v2") != 0 && strcmp(rq->mode, "process-group") != 0;
    if (strcmp(rq->mode, "process-group") == 0) {
        snprintf(cg_note, sizeof cg_note, "containment set to process-group");
        return;
    }
    char scope[80], job[64], scope_dir[PATH_MAX];
    snprintf(scope, sizeof scope, "canopy-%s", rq->scope);
    snprintf(job, sizeof job, "job-%lld", rq->jobid);
    int order[] = {H_V2, H_FREEZER, H_PIDS, H_MEMORY, H_CPUACCT};
    for (size_t i = 0; i < sizeof order / sizeof *order; i++) {
        int h = order[i];
        if (!H[h].present || (h == H_V2 ? !want_v2 : !want_v1)) continue;
        if (h != H_MEMORY && h != H_CPUACCT && track >= 0) continue; /* one tracking hierarchy is enough */
        if (h == H_CPUACCT && track == H_V2) continue;                /* v2's cpu.stat has the CPU time */
        if (mkdir_in(H[h].own, scope, scope_dir, sizeof scope_dir) < 0) {
            if (!cg_note[0]) snprintf(cg_note, sizeof cg_note, "cannot make %s: %s", scope_dir, strerror(errno));
            continue;
        }
        if (h == H_V2) enable_v2_controllers(scope_dir);
        if (mkdir_in(scope_dir, job, H[h].job, sizeof H[h].job) < 0) {
            if (!cg_note[0]) snprintf(cg_note, sizeof cg_note, "cannot make %s: %s", H[h].job, strerror(errno));
            continue;
        }
        H[h].used = 1;
        if (track < 0 && h != H_MEMORY && h != H_CPUACCT) track = h;
    }
    if (track < 0 && H[H_MEMORY].used && want_v1) track = H_MEMORY;
    if (track < 0 && H[H_CPUACCT].used && want_v1) track = H_CPUACCT;
    if (track < 0) {
        for (int h = 0; h < H_COUNT; h++) {
            if (H[h].used) rmdir(H[h].job);
            H[h].used = 0;
        }
        if (!cg_note[0]) snprintf(cg_note, sizeof cg_note, "no cgroup hierarchy is mounted%s",
                                   strcmp(rq->mode, "auto") ? " for the configured containment" : "");
        return;
    }
    int v1 = 0;
    for (int h = H_FREEZER; h < H_COUNT; h++) v1 |= H[h].used;
    snprintf(containment, sizeof containment, "%s%s", H[H_V2].used ? "cgroup-v2" : "cgroup-v1",
             H[H_V2].used && v1 ? "+v1" : "");
}

/* ---- processes ---- */

struct task {
    int rank;
    pid_t pid;
    int out_fd, err_fd;     /* our ends of its pipes, -1 when closed or redirected to a file */
    int exited;
};
static struct task *T;
static int ntasks, nexited;

static void kill_pids(pid_t *pids, int n, int sig) {
    for (int i = 0; i < n; i++) {
        if (pids[i] > 0 && pids[i] != getpid()) kill(pids[i], sig);
    }
}

/* Every descendant of this process (found through /proc), for when there is no cgroup. */
static int descendants(pid_t **out, int *cap) {
    int total = 0, tcap = 0;
    pid_t *all = NULL, *parent = NULL;
    DIR *d = opendir("/proc");
    struct dirent *e;
    while (d && (e = readdir(d))) {
        if (!isdigit((unsigned char)e->d_name[0])) continue;
        char p[64], buf[512];
        snprintf(p, sizeof p, "/proc/%s/stat", e->d_name);
        int fd = open(p, O_RDONLY | O_CLOEXEC);
        if (fd < 0) continue;
        ssize_t r = read(fd, buf, sizeof buf - 1);
        close(fd);
        if (r <= 0) continue;
        buf[r] = '\0';
        char *rp = strrchr(buf, ')');
        int ppid;
        if (!rp || sscanf(rp + 2, "%*c %d", &ppid) != 1) continue;
        if (total == tcap) {
            tcap = tcap ? tcap * 2 : 1024;
            pid_t *a = realloc(all, (size_t)tcap * sizeof *all), *b = realloc(parent, (size_t)tcap * sizeof *parent);
            if (!a || !b) { free(a ? a : all); free(b ? b : parent); closedir(d); return 0; }
            all = a;
            parent = b;
        }
        all[total] = (pid_t)atoi(e->d_name);
        parent[total++] = (pid_t)ppid;
    }
    if (d) closedir(d);
    /* breadth first from ourselves: out[0..n) grows as each one's children are found */
    int n = 0;
    for (int head = -1; head < n; head++) {
        pid_t from = head < 0 ? getpid() : (*out)[head];
        for (int i = 0; i < total; i++) {
            if (parent[i] != from) continue;
            if (n == *cap) {
                *cap = *cap ? *cap * 2 : 64;
                pid_t *grown = realloc(*out, (size_t)*cap * sizeof **out);
                if (!grown) { free(all); free(parent); return n; }
                *out = grown;
            }
            (*out)[n++] = all[i];
        }
    }
    free(all);
    free(parent);
    return n;
}

/* Sends sig to every process of the job; returns how many were signalled. */
static int signal_job(int sig) {
    pid_t *pids = NULL;
    int cap = 0, n;
    if (track >= 0) {
        if (sig == SIGKILL && track == H_V2 && write_file(H[H_V2].job, "cgroup.kill", "1") == 0) {
            n = cgroup_pids(H[H_V2].job, &pids, &cap);
        } else {
            int frozen = sig == SIGKILL && track == H_FREEZER && write_file(H[H_FREEZER].job, "freezer.state", "FROZEN") == 0;
            n = cgroup_pids(H[track].job, &pids, &cap);
            kill_pids(pids, n, sig);
            if (frozen) write_file(H[H_FREEZER].job, "freezer.state", "THAWED");
        }
    } else {
        for (int i = 0; i < ntasks; i++) {
            if (T[i].pid > 0 && !T[i].exited) kill(-T[i].pid, sig); /* its session's group */
        }
        n = descendants(&pids, &cap);
        kill_pids(pids, n, sig);
    }
    free(pids);
    return n;
}

static long long now_ms(void) {
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (long long)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int reap(int block);

/* Kills everything of the job and waits (up to 10 s) until nothing of it is left. */
static void kill_all(void) {
    long long deadline = now_ms() + 10000;
    while (now_ms() < deadline) {
        /* without a cgroup: as child subreaper, a launcher with no child left has no descendant left */
        if (track < 0 && reap(0) < 0) break;
        int n = signal_job(SIGKILL);
        int none_left = reap(0) < 0;
        if (n == 0 && (track >= 0 || none_left)) break;
        struct timespec ts = {0, 5 * 1000000};
        nanosleep(&ts, NULL);
    }
    reap(0);
}

static void send_exit(struct task *t, int status) {
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    char buf[32];
    int n = snprintf(buf, sizeof buf, "%d", code);
    t->exited = 1;
    nexited++;
    send_frame('X', t->rank, buf, (size_t)n);
}

/* Collects exited children: a task's exit is reported; others (adopted orphans) are just reaped.
   Returns -1 when this process has no child left at all. */
static int reap(int block) {
    int status;
    pid_t p;
    while ((p = waitpid(-1, &status, block ? 0 : WNOHANG)) > 0) {
        for (int i = 0; i < ntasks; i++) {
            if (T[i].pid == p && !T[i].exited) send_exit(&T[i], status);
        }
        block = 0;
    }
    return p < 0 && errno == ECHILD ? -1 : 0;
}

static void remove_cgroups(void) {
    for (int h = 0; h < H_COUNT; h++) {
        if (!H[h].used) continue;
        for (int tries = 0; tries < 200 && rmdir(H[h].job) < 0 && errno == EBUSY; tries++) {
            struct timespec ts = {0, 5 * 1000000};
            nanosleep(&ts, NULL);
        }
        if (access(H[h].job, F_OK) == 0) send_text('W', "cannot remove %s: %s", H[h].job, strerror(errno));
        char scope_dir[PATH_MAX];
        snprintf(scope_dir, sizeof scope_dir, "%s", H[h].job);
        char *slash = strrchr(scope_dir, '/');
        if (slash) { *slash = '\0'; rmdir(scope_dir); } /* fails while other jobs have theirs: fine */
    }
}

/* CPU time (µs) and peak memory (bytes) of the whole job; -1 where unknown. */
static void usage(long long *cpu_us, long long *mem_peak) {
    *cpu_us = -1;
    *mem_peak = -1;
    if (H[H_V2].used) *cpu_us = read_number(H[H_V2].job, "cpu.stat", "usage_usec");
    if (*cpu_us < 0 && H[H_CPUACCT].used) {
        long long ns = read_number(H[H_CPUACCT].job, "cpuacct.usage", NULL);
        if (ns >= 0) *cpu_us = ns / 1000;
    }
    if (H[H_V2].used) *mem_peak = read_number(H[H_V2].job, "memory.peak", NULL);
    if (*mem_peak < 0 && H[H_MEMORY].used) *mem_peak = read_number(H[H_MEMORY].job, "memory.max_usage_in_bytes", NULL);
    if (track < 0 || *cpu_us < 0) {
        struct rusage ru;
        if (getrusage(RUSAGE_CHILDREN, &ru) == 0) {
            if (*cpu_us < 0)
                *cpu_us = (long long)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec) * 1000000 + ru.ru_utime.tv_usec + ru.ru_stime.tv_usec;
            if (*mem_peak < 0 && track < 0) *mem_peak = (long long)ru.ru_maxrss * 1024; /* its largest process */
        }
    }
}

/* ---- one task: fork, join, drop, set up as the user, exec ---- */

struct user {
    uid_t uid;
    gid_t gid;
    gid_t *groups;
    int ngroups;
    int switch_user;
};

static void child_fail(int fd, int err, const char *fmt, ...) __attribute__((noreturn, format(printf, 3, 4)));
static void child_fail(int fd, int err, const char *fmt, ...) {
    char msg[3000];
    va_list ap;
    va_start(ap, fmt);
    int n = snprintf(msg, sizeof msg, "%d ", err);
    vsnprintf(msg + n, sizeof msg - (size_t)n, fmt, ap);
    va_end(ap);
    write_all(fd, msg, strlen(msg));
    _exit(127);
}

static void exec_search(int status_fd, char **argv, char **envp) {
    const char *cmd = argv[0];
    if (strchr(cmd, '/')) {
        execve(cmd, argv, envp);
        if (errno == ENOEXEC) goto shell;
        child_fail(status_fd, errno, "cannot run %s: %s", cmd, strerror(errno));
    }
    const char *path = DEFAULT_PATH;
    for (char **e = envp; *e; e++) {
        if (strncmp(*e, "PATH=", 5) == 0) path = *e + 5;
    }
    int seen_eacces = 0;
    char full[PATH_MAX];
    for (const char *p = path;; ) {
        const char *colon = strchrnul(p, ':');
        size_t dl = (size_t)(colon - p);
        if (dl > 0 && dl + 1 + strlen(cmd) < sizeof full) {
            memcpy(full, p, dl);
            full[dl] = '/';
            strcpy(full + dl + 1, cmd);
            execve(full, argv, envp);
            if (errno == ENOEXEC) { cmd = full; goto shell; }
            if (errno == EACCES) seen_eacces = 1;
            else if (errno != ENOENT && errno != ENOTDIR && errno != ELOOP && errno != ENAMETOOLONG)
                child_fail(status_fd, errno, "cannot run %s: %s", full, strerror(errno));
        }
        if (*colon == '\0') break;
        p = colon + 1;
    }
    if (seen_eacces) child_fail(status_fd, EACCES, "cannot run %s: permission denied (searched the job's PATH)", cmd);
    child_fail(status_fd, ENOENT, "command not found: %s (searched the job's PATH)", cmd);
shell:;
    /* a script without #!: as execvp does, hand it to the shell */
    char *sh_argv[MAX_ARGS + 2];
    int i = 0;
    sh_argv[i++] = "/bin/sh";
    sh_argv[i++] = (char *)cmd;
    for (int k = 1; argv[k] && i < MAX_ARGS + 1; k++) sh_argv[i++] = argv[k];
    sh_argv[i] = NULL;
    execve("/bin/sh", sh_argv, envp);
    child_fail(status_fd, errno, "cannot run %s: %s", cmd, strerror(errno));
}

static int open_output(const char *path) {
    return open(path, O_WRONLY | O_CREAT | O_APPEND | O_NOCTTY, 0666);
}

/* In the child. Never returns. */
static void run_task(struct request *rq, const struct user *u, int rank, int status_fd, int out_w, int err_w) {
    sigset_t all;
    sigemptyset(&all);
    sigprocmask(SIG_SETMASK, &all, NULL);
    for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);

    if (setsid() < 0) child_fail(status_fd, errno, "setsid: %s", strerror(errno));
    char me[32];
    snprintf(me, sizeof me, "%d", (int)getpid());
    for (int h = 0; h < H_COUNT; h++) {
        if (H[h].used && write_file(H[h].job, "cgroup.procs", me) < 0)
            child_fail(status_fd, errno, "cannot join the job's cgroup %s: %s", H[h].job, strerror(errno));
    }
    if (u->switch_user) {
        if (setgroups((size_t)u->ngroups, u->groups) < 0) child_fail(status_fd, errno, "setgroups: %s", strerror(errno));
        if (setresgid(u->gid, u->gid, u->gid) < 0) child_fail(status_fd, errno, "setresgid(%u): %s", (unsigned)u->gid, strerror(errno));
        if (setresuid(u->uid, u->uid, u->uid) < 0) child_fail(status_fd, errno, "setresuid(%u): %s", (unsigned)u->uid, strerror(errno));
        if (u->uid != 0 && (setuid(0) == 0 || seteuid(0) == 0))
            child_fail(status_fd, EPERM, "could regain root after dropping to uid %u; refusing to run", (unsigned)u->uid);
    }
    /* From here on, everything runs as the user: it can reach only what the user can. */
    umask(022);
    if (chdir(rq->cwd) < 0)
        child_fail(status_fd, errno, "cannot enter the job's directory %s as uid %u: %s", rq->cwd, (unsigned)getuid(), strerror(errno));
    int devnull = open("/dev/null", O_RDONLY);
    if (devnull < 0 || dup2(devnull, 0) < 0) child_fail(status_fd, errno, "/dev/null: %s", strerror(errno));
    if (rq->out) {
        int fd = open_output(rq->out);
        if (fd < 0) child_fail(status_fd, errno, "cannot open the output file %s as uid %u: %s", rq->out, (unsigned)getuid(), strerror(errno));
        out_w = fd;
    }
    if (rq->err) {
        int fd = open_output(rq->err);
        if (fd < 0) child_fail(status_fd, errno, "cannot open the error file %s as uid %u: %s", rq->err, (unsigned)getuid(), strerror(errno));
        err_w = fd;
    }
    if (dup2(out_w, 1) < 0 || dup2(err_w, 2) < 0) child_fail(status_fd, errno, "dup2: %s", strerror(errno));
    /* nothing of ours leaks into the task: only 0, 1, 2 (and the status pipe, closed by exec) */
    for (int fd = 3; fd < 1024; fd++) {
        if (fd != status_fd) close(fd);
    }
    DIR *d = opendir("/proc/self/fd");
    if (d) {
        int dfd = dirfd(d);
        struct dirent *e;
        while ((e = readdir(d))) {
            int fd = atoi(e->d_name);
            if (fd > 2 && fd != status_fd && fd != dfd) close(fd);
        }
        closedir(d);
    }
    char rank_var[48];
    snprintf(rank_var, sizeof rank_var, "CANOPY_TASK_RANK=%d", rank);
    rq->env[rq->envc] = rank_var;
    rq->env[rq->envc + 1] = NULL;
    rq->argv[rq->argc] = NULL;
    exec_search(status_fd, rq->argv, rq->env);
    _exit(127);
}

/* Resolves the user through NSS (files, LDAP, SSSD...), once, before any fork. */
static void resolve_user(const struct request *rq, struct user *u) {
    u->uid = rq->uid;
    u->switch_user = geteuid() == 0 && rq->uid != geteuid();
    if (!u->switch_user) return;
    errno = 0;
    struct passwd *pw = getpwuid(rq->uid);
    if (!pw) fail(errno ? errno : ENOENT, "uid %u is unknown on this node (no passwd entry through NSS)%s%s",
                  (unsigned)rq->uid, errno ? ": " : "", errno ? strerror(errno) : "");
    u->gid = pw->pw_gid;
    int n = 64;
    u->groups = malloc((size_t)n * sizeof *u->groups);
    if (!u->groups) fail(ENOMEM, "out of memory");
    while (getgrouplist(pw->pw_name, pw->pw_gid, u->groups, &n) < 0) {
        if (n > MAX_GROUPS) fail(E2BIG, "user %s is in more than %d groups", pw->pw_name, MAX_GROUPS);
        u->groups = realloc(u->groups, (size_t)n * sizeof *u->groups);
        if (!u->groups) fail(ENOMEM, "out of memory");
    }
    u->ngroups = n;
}

static int make_pipe(int p[2]) {
    return pipe2(p, O_CLOEXEC);
}

/* Starts every task; on any failure, kills those started and refuses with the reason. */
static void start_tasks(struct request *rq, const struct user *u) {
    ntasks = rq->ntasks;
    T = calloc((size_t)ntasks, sizeof *T);
    if (!T) fail(ENOMEM, "out of memory");
    char pids[8192];
    size_t pl = 0;
    pids[0] = '\0';
    for (int i = 0; i < ntasks; i++) {
        int st[2], op[2] = {-1, -1}, ep[2] = {-1, -1};
        T[i].rank = rq->tasks[i];
        T[i].out_fd = T[i].err_fd = -1;
        if (make_pipe(st) < 0 || (!rq->out && make_pipe(op) < 0) || (!rq->err && make_pipe(ep) < 0))
            goto failed_errno;
        pid_t pid = fork();
        if (pid < 0) goto failed_errno;
        if (pid == 0) {
            close(st[0]);
            run_task(rq, u, T[i].rank, st[1], op[1], ep[1]);
        }
        T[i].pid = pid;
        close(st[1]);
        if (op[1] >= 0) close(op[1]);
        if (ep[1] >= 0) close(ep[1]);
        T[i].out_fd = op[0];
        T[i].err_fd = ep[0];
        char why[3100];
        ssize_t r, got = 0;
        while ((r = read(st[0], why + got, sizeof why - 1 - (size_t)got)) > 0 || (r < 0 && errno == EINTR)) {
            if (r > 0) got += r;
        }
        close(st[0]);
        if (got > 0) {
            why[got] = '\0';
            char *sp = strchr(why, ' ');
            int err = atoi(why);
            waitpid(pid, NULL, 0);
            T[i].exited = 1;
            kill_all();
            remove_cgroups();
            send_text('F', "%d %s", err > 0 ? err : EIO, sp ? sp + 1 : why);
            _exit(1);
        }
        pl += (size_t)snprintf(pids + pl, sizeof pids - pl, "%s%d", i ? " " : "", (int)pid);
        if (pl >= sizeof pids) pl = sizeof pids - 1;
        continue;
    failed_errno:;
        int e = errno;
        kill_all();
        remove_cgroups();
        fail(e, "cannot start task %d: %s", T[i].rank, strerror(e));
    }
    send_text('S', "%s", pids);
}

/* ---- the life of the job ---- */

/* The signals the launcher takes through its signalfd: children's exits, and being told to stop. */
static void launcher_signals(sigset_t *mask) {
    sigemptyset(mask);
    sigaddset(mask, SIGCHLD);
    sigaddset(mask, SIGTERM);
    sigaddset(mask, SIGINT);
    sigaddset(mask, SIGHUP);
}

static void serve(void) {
    sigset_t mask;
    launcher_signals(&mask);
    int sfd = signalfd(-1, &mask, SFD_CLOEXEC | SFD_NONBLOCK);
    if (sfd < 0) { kill_all(); remove_cgroups(); _exit(1); }
    reap(0); /* a task that exited before the signalfd was made */
    int ctl_open = 1, ending = 0;
    long long deadline = 0;
    struct pollfd *pfd = calloc((size_t)(2 + 2 * ntasks), sizeof *pfd);
    int *who = calloc((size_t)(2 + 2 * ntasks), sizeof *who);
    char *buf = malloc(CHUNK);
    if (!pfd || !who || !buf) { kill_all(); remove_cgroups(); _exit(1); }
    for (;;) {
        int n = 0;
        pfd[n].fd = sfd; pfd[n].events = POLLIN; who[n++] = -1;
        if (ctl_open) { pfd[n].fd = 0; pfd[n].events = POLLIN; who[n++] = -2; }
        int open_pipes = 0;
        for (int i = 0; i < ntasks; i++) {
            if (T[i].out_fd >= 0) { pfd[n].fd = T[i].out_fd; pfd[n].events = POLLIN; who[n++] = 2 * i; open_pipes++; }
            if (T[i].err_fd >= 0) { pfd[n].fd = T[i].err_fd; pfd[n].events = POLLIN; who[n++] = 2 * i + 1; open_pipes++; }
        }
        if (!ending && nexited == ntasks) {
            /* every task is over: what they left behind goes now (daemons, double forks, setsid) */
            ending = 1;
            kill_all();
            deadline = now_ms() + (track >= 0 ? 10000 : 2000);
        }
        if (ending && (open_pipes == 0 || now_ms() >= deadline)) break;
        int timeout = ending ? 50 : -1;
        int r = poll(pfd, (nfds_t)n, timeout);
        if (r < 0 && errno != EINTR) break;
        for (int k = 0; r > 0 && k < n; k++) {
            if (!pfd[k].revents) continue;
            if (who[k] == -1) {
                struct signalfd_siginfo si;
                while (read(sfd, &si, sizeof si) == sizeof si) {
                    if (si.ssi_signo != SIGCHLD) { /* stopped by systemd or an admin: the job goes too */
                        ctl_open = 0;
                        signal_job(SIGKILL);
                    }
                }
                reap(0);
            } else if (who[k] == -2) {
                unsigned char hdr[5];
                int rr = read_full(0, hdr, 5);
                uint32_t len = rr > 0 ? ((uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 8 | hdr[4]) : 0;
                char v[32] = "";
                if (rr > 0 && len < sizeof v && (len == 0 || read_full(0, v, len) > 0)) {
                    v[len] = '\0';
                    long long sig;
                    if (hdr[0] == 'k' && parse_number(v, 1, 64, &sig) == 0) {
                        signal_job((int)sig);
                        reap(0);
                    } else {
                        send_text('W', "ignored a bad control frame '%c'", isprint(hdr[0]) ? hdr[0] : '?');
                    }
                } else {
                    /* the broker is gone (or spoke nonsense): the job cannot be looked after, so it ends */
                    ctl_open = 0;
                    broker_gone = 1;
                    signal_job(SIGKILL);
                    reap(0);
                }
            } else {
                int i = who[k] / 2, is_err = who[k] % 2;
                int *fd = is_err ? &T[i].err_fd : &T[i].out_fd;
                ssize_t got = read(*fd, buf, CHUNK);
                if (got > 0) {
                    send_frame(is_err ? 'E' : 'O', T[i].rank, buf, (size_t)got);
                } else if (got == 0 || (errno != EINTR && errno != EAGAIN)) {
                    close(*fd);
                    *fd = -1;
                }
            }
        }
    }
    kill_all();
    reap(0);
    long long cpu, mem;
    usage(&cpu, &mem);
    remove_cgroups();
    send_text('U', "cpu_usec=%lld memory_peak=%lld containment=%s", cpu, mem, containment);
    send_text('D', "");
    _exit(0);
}

/* ---- leftovers of an earlier broker: kill and remove scope's job cgroups (or one job's) ---- */

static const char *describe_hierarchies(char *desc, size_t size);

static void cleanup(const char *scope, const char *only) {
    find_hierarchies();
    int killed = 0, removed = 0, counted = 0; /* processes are counted in the first hierarchy that has the scope */
    char scope_name[80];
    snprintf(scope_name, sizeof scope_name, "canopy-%s", scope);
    for (int h = 0; h < H_COUNT; h++) {
        if (!H[h].present) continue;
        char dir[PATH_MAX];
        if ((size_t)snprintf(dir, sizeof dir, "%s/%s", H[h].own, scope_name) >= sizeof dir) continue;
        DIR *d = opendir(dir);
        struct dirent *e;
        int count_here = d && !counted;
        counted |= count_here;
        while (d && (e = readdir(d))) {
            if (strncmp(e->d_name, "job-", 4) != 0 || (only && strcmp(e->d_name + 4, only) != 0)) continue;
            snprintf(H[h].job, sizeof H[h].job, "%s/%s", dir, e->d_name);
            pid_t *pids = NULL;
            int cap = 0;
            for (int round = 0; round < 200; round++) {
                int n = cgroup_pids(H[h].job, &pids, &cap);
                if (n == 0) break;
                if (round == 0 && count_here) killed += n;
                if (h == H_V2) write_file(H[h].job, "cgroup.kill", "1");
                int frozen = h == H_FREEZER && write_file(H[h].job, "freezer.state", "FROZEN") == 0;
                kill_pids(pids, n, SIGKILL);
                if (frozen) write_file(H[h].job, "freezer.state", "THAWED");
                struct timespec ts = {0, 5 * 1000000};
                nanosleep(&ts, NULL);
            }
            free(pids);
            for (int tries = 0; tries < 200 && rmdir(H[h].job) < 0 && errno == EBUSY; tries++) {
                struct timespec ts = {0, 5 * 1000000};
                nanosleep(&ts, NULL);
            }
            if (access(H[h].job, F_OK) != 0) removed++;
        }
        if (d) closedir(d);
    }
    /* The cleanup at a broker's start also says what containment jobs get here, for its log: one
     * launcher process per broker start instead of two (a thousand packed brokers start at once). */
    char desc[1024];
    send_text('I', "killed=%d removed=%d euid=%u cgroups: %s", killed, removed, (unsigned)geteuid(),
              describe_hierarchies(desc, sizeof desc));
}

/* The cgroup hierarchies found and this launcher's place in each ("none" without any). */
static const char *describe_hierarchies(char *desc, size_t size) {
    size_t l = 0;
    desc[0] = '\0';
    for (int h = 0; h < H_COUNT; h++) {
        if (H[h].present)
            l += (size_t)snprintf(desc + l, size - l, "%s%s=%s", l ? " " : "", h == H_V2 ? "v2" : hname[h], H[h].own);
        if (l >= size) l = size - 1;
    }
    return l ? desc : "none";
}

/* What containment a job would get here (`canopy-launch` asked by hand, or an older broker). */
static void probe(const char *mode) {
    find_hierarchies();
    char desc[1024];
    send_text('I', "euid=%u mode=%s cgroups: %s", (unsigned)geteuid(), mode, describe_hierarchies(desc, sizeof desc));
}

/* ---- node actions: the reboot command and the health check ----
 *
 * Root decides what they are (--reboot-command=, --health-check= on this program's command line,
 * i.e. canopy-launch@.service); a peer that is not root may only ask for them to run, never name
 * another program. A root broker running this launcher itself (or a broker that is not root, with
 * a launcher of its own uid) may name the command: it gains nothing by it. The command is a program
 * by absolute path and its arguments separated by spaces: no shell, no quotes, no variables. It
 * runs in a session of its own, from /, with /dev/null as input and a fixed environment, its output
 * (the first ACTION_OUTPUT bytes) going back to the broker for its log and the drain reason. If the
 * broker goes away first, it is killed.
 */

#define MAX_FIRST 1024           /* the first frame: an action's command line at most */
#define MAX_ACTION_TEXT 1000
#define MAX_ACTION_WORDS 32
#define ACTION_OUTPUT 4096

static char *reboot_command;     /* --reboot-command=, as given */
static char *health_check;       /* --health-check= */

/* A command line this launcher will split: 1-1000 bytes, no control characters. */
static int valid_command(const char *s) {
    size_t n = strlen(s);
    if (n == 0 || n > MAX_ACTION_TEXT) return 0;
    for (; *s; s++) {
        if ((unsigned char)*s < 0x20 || *s == 0x7f) return 0;
    }
    return 1;
}

/* Splits a copy of "ABSPATH [ARG ...]" at spaces into argv; the word count, or -1. */
static int split_command(const char *line, char *copy, char **argv) {
    strcpy(copy, line);
    int n = 0;
    for (char *p = copy; *p;) {
        while (*p == ' ') p++;
        if (!*p) break;
        if (n == MAX_ACTION_WORDS) return -1;
        argv[n++] = p;
        while (*p && *p != ' ') p++;
        if (*p) *p++ = '\0';
    }
    argv[n] = NULL;
    return n > 0 && argv[0][0] == '/' ? n : -1;
}

static void run_action(char what, const char *asked, uid_t caller) {
    const char *name = what == 'B' ? "reboot command" : "health check";
    const char *option = what == 'B' ? "--reboot-command" : "--health-check";
    const char *mine = what == 'B' ? reboot_command : health_check;
    const char *line = mine;
    if (*asked) {
        if (geteuid() == 0 && caller != 0)
            fail(EPERM, "uid %u may not choose the %s this root launcher runs: root sets it with %s=... "
                 "(canopy-launch@.service)", (unsigned)caller, name, option);
        if (mine && strcmp(asked, mine) != 0)
            fail(EINVAL, "this launcher's own %s is '%s'; the broker asked for '%s'", name, mine, asked);
        line = asked;
    }
    if (!line) fail(ENOENT, "no %s is configured for this launcher (%s=...)", name, option);
    char copy[MAX_ACTION_TEXT + 1], *argv[MAX_ACTION_WORDS + 1];
    if (!valid_command(line) || split_command(line, copy, argv) < 0)
        fail(EINVAL, "the %s '%.200s' is not an absolute path and arguments separated by spaces", name, line);
    struct stat st;
    if (stat(argv[0], &st) < 0) fail(errno, "cannot run the %s %s: %s", name, argv[0], strerror(errno));
    if (!S_ISREG(st.st_mode)) fail(EACCES, "the %s %s is not a file", name, argv[0]);
    if (geteuid() == 0 && (st.st_uid != 0 || (st.st_mode & 022)))
        fail(EACCES, "the %s %s must belong to root and be writable by no one else to run as root", name, argv[0]);
    int p[2];
    if (pipe2(p, O_CLOEXEC) < 0) fail(errno, "pipe: %s", strerror(errno));
    pid_t pid = fork();
    if (pid < 0) fail(errno, "fork: %s", strerror(errno));
    if (pid == 0) {
        sigset_t none;
        sigemptyset(&none);
        sigprocmask(SIG_SETMASK, &none, NULL);
        for (int s = 1; s < NSIG; s++) signal(s, SIG_DFL);
        setsid();
        int devnull = open("/dev/null", O_RDONLY);
        if (devnull < 0 || dup2(devnull, 0) < 0 || dup2(p[1], 1) < 0 || dup2(p[1], 2) < 0) _exit(127);
        for (int fd = 3; fd < 1024; fd++) close(fd);
        if (chdir("/") < 0) _exit(127);
        char *envp[] = {"PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin", "LANG=C", NULL};
        execve(argv[0], argv, envp);
        dprintf(2, "cannot run %s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(p[1]);
    char out[ACTION_OUTPUT];
    size_t len = 0;
    int status = 0, exited = 0, eof = 0;
    while (!exited || !eof) {
        struct pollfd pf[2] = {{p[0], POLLIN, 0}, {0, POLLIN, 0}};
        int n = poll(pf, eof ? 1 : 2, exited ? 0 : 200);
        if (n < 0 && errno != EINTR) break;
        if (!eof && n > 0 && pf[0].revents) {
            char buf[4096];
            ssize_t r = read(p[0], buf, sizeof buf);
            if (r <= 0) {
                eof = 1;
            } else if (len < sizeof out) {
                size_t k = (size_t)r < sizeof out - len ? (size_t)r : sizeof out - len;
                memcpy(out + len, buf, k);
                len += k;
            }
        }
        if (n > 0 && pf[1].revents) {
            char c;
            if (read(0, &c, 1) <= 0) { /* the broker went away: so does the action */
                kill(-pid, SIGKILL);
                waitpid(pid, NULL, 0);
                _exit(1);
            }
        }
        if (!exited && waitpid(pid, &status, WNOHANG) == pid) exited = 1;
        if (exited && n == 0) eof = 1; /* it ended, and what it left behind keeps the pipe open: stop reading */
    }
    close(p[0]);
    int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
    char msg[ACTION_OUTPUT + 32];
    int hl = snprintf(msg, sizeof msg, "status %d\n", code);
    memcpy(msg + hl, out, len);
    send_frame('I', -1, msg, (size_t)hl + len);
}

static void usage_exit(void) {
    fprintf(stderr, "usage: canopy-launch [--allow-peer=USER]... [--min-uid=N] [--reboot-command=CMD] "
                    "[--health-check=CMD]\n"
                    "Speaks the canopy-launch protocol on fds 0 and 1 (docs/jobs.md); started by a root broker\n"
                    "or by systemd for canopy-launch.socket, never by hand. CMD: an absolute path and arguments\n"
                    "separated by spaces (no shell), run as this launcher's user when the broker asks.\n");
    exit(2);
}

int main(int argc, char **argv) {
    if (getuid() != geteuid() || getgid() != getegid()) {
        fprintf(stderr, "canopy-launch: refusing to run set-user-ID or set-group-ID; install it mode 0755\n");
        return 2;
    }
    for (int i = 1; i < argc; i++) {
        if (strncmp(argv[i], "--allow-peer=", 13) == 0) {
            struct passwd *pw = getpwnam(argv[i] + 13);
            long long n;
            if (pw) allowed_peers[npeers] = pw->pw_uid;
            else if (parse_number(argv[i] + 13, 0, 4294967294LL, &n) == 0) allowed_peers[npeers] = (uid_t)n;
            else { fprintf(stderr, "canopy-launch: unknown user in %s\n", argv[i]); return 2; }
            if (++npeers == 16) { fprintf(stderr, "canopy-launch: at most 15 --allow-peer\n"); return 2; }
        } else if (strncmp(argv[i], "--min-uid=", 10) == 0) {
            if (parse_number(argv[i] + 10, 0, 4294967294LL, &min_uid) < 0) usage_exit();
        } else if (strncmp(argv[i], "--reboot-command=", 17) == 0 || strncmp(argv[i], "--health-check=", 15) == 0) {
            char *eq = strchr(argv[i], '=') + 1, copy[MAX_ACTION_TEXT + 1], *words[MAX_ACTION_WORDS + 1];
            if (!valid_command(eq) || split_command(eq, copy, words) < 0) {
                fprintf(stderr, "canopy-launch: %s: give an absolute path and arguments separated by spaces "
                        "(at most %d words, %d bytes)\n", argv[i], MAX_ACTION_WORDS, MAX_ACTION_TEXT);
                return 2;
            }
            if (argv[i][2] == 'r') reboot_command = eq;
            else health_check = eq;
        } else if (strcmp(argv[i], "--version") == 0) {
            printf("%s\n", PROTOCOL);
            return 0;
        } else {
            usage_exit();
        }
    }
    clearenv();
    umask(022);
    signal(SIGPIPE, SIG_IGN);
    setsid(); /* no terminal's signals; fails harmlessly where systemd made us a session leader */
    prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0); /* orphans of the job come to us, not to init */
    sigset_t mask;
    launcher_signals(&mask);
    sigprocmask(SIG_BLOCK, &mask, NULL);

    int is_socket;
    uid_t caller = caller_uid(&is_socket);
    out_fd = is_socket ? 0 : 1;
    if (is_socket) check_peer(caller);

    unsigned char hdr[5];
    if (read_full(0, hdr, 5) <= 0) return 1;
    uint32_t len = (uint32_t)hdr[1] << 24 | (uint32_t)hdr[2] << 16 | (uint32_t)hdr[3] << 8 | hdr[4];
    if (len > MAX_FIRST) fail(EPROTO, "first frame too long");
    char v[MAX_FIRST + 1];
    if (len > 0 && read_full(0, v, len) <= 0) return 1;
    v[len] = '\0';
    if (memchr(v, '\0', len)) fail(EINVAL, "first frame '%c' holds a NUL byte", isprint(hdr[0]) ? hdr[0] : '?');
    switch (hdr[0]) {
    case 'B': /* reboot: "" (this launcher's command) or the command a privileged broker names */
    case 'H': /* health check: likewise */
        run_action((char)hdr[0], v, caller);
        return 0;
    case 'P':
        probe(v);
        return 0;
    case 'C': { /* "SCOPE" or "SCOPE JOBID" */
        char *job = strchr(v, ' ');
        long long id;
        if (job) *job++ = '\0';
        if (!valid_scope(v) || (job && parse_number(job, 0, LLONG_MAX, &id) < 0)) fail(EINVAL, "bad cleanup request");
        cleanup(v, job);
        return 0;
    }
    case 'R':
        if (strcmp(v, PROTOCOL) != 0) fail(EPROTO, "protocol '%s' asked, this launcher speaks '%s'", v, PROTOCOL);
        break;
    default:
        fail(EPROTO, "unknown first frame '%c'", isprint(hdr[0]) ? hdr[0] : '?');
    }
    static struct request rq;
    strcpy(rq.mode, "auto");
    read_request(&rq);
    authorize(caller, rq.uid);
    struct user u = {0};
    resolve_user(&rq, &u);
    make_cgroups(&rq);
    if (track < 0) send_text('W', "no cgroup for job %lld: %s; its processes are tracked by session and by this launcher "
                             "as child subreaper", rq.jobid, cg_note);
    start_tasks(&rq, &u);
    serve();
    return 0;
}
