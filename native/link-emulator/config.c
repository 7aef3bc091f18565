/* link-emulator: configuration parsing (key=value lines) and the PRNG. */
#define _GNU_SOURCE
#include "emu.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---------------- PRNG ---------------- */

static uint64_t splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
    return z ^ (z >> 31);
}

void rng_seed(rng_t *r, uint64_t seed, uint64_t stream)
{
    uint64_t x = seed ^ (stream * 0xd1b54a32d192ed03ULL);
    for (int i = 0; i < 4; i++)
        r->s[i] = splitmix64(&x);
}

static inline uint64_t rotl(uint64_t x, int k) { return (x << k) | (x >> (64 - k)); }

uint64_t rng_next(rng_t *r)
{
    uint64_t *s = r->s;
    uint64_t result = rotl(s[1] * 5, 7) * 9;
    uint64_t t = s[1] << 17;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 45);
    return result;
}

double rng_unit(rng_t *r) { return (double)(rng_next(r) >> 11) * 0x1.0p-53; }

/* ---------------- config ---------------- */

void config_defaults(struct config *c)
{
    memset(c, 0, sizeof *c);
    for (int d = 0; d < NDIR; d++)
        c->dir[d].ge_loss_bad = 1.0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));
static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return -1;
}

/* A non-negative finite decimal number, nothing else on the line. */
static int parse_num(const char *s, double *out)
{
    if (!*s || isspace((unsigned char)*s) || *s == '-' || *s == '+')
        return -1;
    char *end;
    errno = 0;
    double v = strtod(s, &end);
    if (errno || end == s || *end || !(v >= 0 && v <= 1e300))
        return -1;
    /* no hex floats, no "inf"/"nan": digits, one dot, optional exponent */
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p) && *p != '.' && *p != 'e' && *p != 'E' && *p != '-' && *p != '+')
            return -1;
    *out = v;
    return 0;
}

static int parse_u64(const char *s, uint64_t *out)
{
    if (!*s)
        return -1;
    for (const char *p = s; *p; p++)
        if (!isdigit((unsigned char)*p))
            return -1;
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    if (errno)
        return -1;
    *out = v;
    return 0;
}

static int parse_prob(const char *s, double *out)
{
    double v;
    if (parse_num(s, &v) || v > 1.0)
        return -1;
    *out = v;
    return 0;
}

/* Time in the given unit (ns per unit) to ns; bounded to about 100 days. */
static int parse_time(const char *s, double unit_ns, uint64_t *out)
{
    double v;
    if (parse_num(s, &v))
        return -1;
    double ns = v * unit_ns;
    if (ns > 1e16)
        return -1;
    *out = (uint64_t)(ns + 0.5);
    return 0;
}

/* "A,B[,C[,D]]" -> up to 4 fields (trimmed copies). Returns the count, or -1. */
static int split_fields(const char *s, char out[][64], int max)
{
    int n = 0;
    const char *p = s;
    for (;;) {
        const char *comma = strchr(p, ',');
        size_t len = comma ? (size_t)(comma - p) : strlen(p);
        if (n >= max || len >= 64)
            return -1;
        while (len && isspace((unsigned char)*p)) { p++; len--; }
        while (len && isspace((unsigned char)p[len - 1])) len--;
        memcpy(out[n], p, len);
        out[n][len] = 0;
        n++;
        if (!comma)
            return n;
        p = comma + 1;
    }
}

static int add_outage(struct config *c, const char *val, unsigned mask, char *err, size_t errlen)
{
    char f[4][64];
    int n = split_fields(val, f, 4);
    struct outage o = {0};
    o.dirmask = mask;
    if (n < 2 || parse_time(f[0], 1e6, &o.start_ns) || parse_time(f[1], 1e6, &o.dur_ns))
        return fail(err, errlen, "outage wants START_MS,DURATION_MS[,PERIOD_MS[,COUNT]], got '%s'", val);
    if (n >= 3 && parse_time(f[2], 1e6, &o.period_ns))
        return fail(err, errlen, "bad outage period '%s'", f[2]);
    if (n >= 4 && parse_u64(f[3], &o.count))
        return fail(err, errlen, "bad outage count '%s'", f[3]);
    if (o.period_ns && o.period_ns < o.dur_ns)
        return fail(err, errlen, "outage period shorter than its duration");
    if (c->n_outages >= MAX_OUTAGES)
        return fail(err, errlen, "too many outages (max %d)", MAX_OUTAGES);
    c->outages[c->n_outages++] = o;
    return 0;
}

static int parse_kind(const char *s)
{
    if (!strcmp(s, "port"))
        return REBIND_PORT;
    if (!strcmp(s, "address"))
        return REBIND_ADDRESS;
    return -1;
}

static int add_rebind(struct config *c, const char *val, char *err, size_t errlen)
{
    char f[2][64];
    int n = split_fields(val, f, 2);
    struct rebind_ev ev = {0};
    if (n != 2 || parse_time(f[0], 1e6, &ev.at_ns) || (ev.kind = parse_kind(f[1])) < 0)
        return fail(err, errlen, "rebind wants AT_MS,port|address, got '%s'", val);
    if (c->n_rebinds >= MAX_REBINDS)
        return fail(err, errlen, "too many rebinds (max %d)", MAX_REBINDS);
    c->rebinds[c->n_rebinds++] = ev;
    return 0;
}

static int apply_dir_key(struct dir_params *p, const char *key, const char *val, unsigned mask_bit, struct config *c,
                         char *err, size_t errlen)
{
    int bad = 0;
    if (!strcmp(key, "delay_us"))
        bad = parse_time(val, 1e3, &p->delay_ns);
    else if (!strcmp(key, "jitter_us"))
        bad = parse_time(val, 1e3, &p->jitter_ns);
    else if (!strcmp(key, "jitter_reorder")) {
        if (!strcmp(val, "0") || !strcmp(val, "1"))
            p->jitter_reorder = val[0] == '1';
        else
            bad = 1;
    } else if (!strcmp(key, "loss"))
        bad = parse_prob(val, &p->loss);
    else if (!strcmp(key, "ge_p"))
        bad = parse_prob(val, &p->ge_p);
    else if (!strcmp(key, "ge_r"))
        bad = parse_prob(val, &p->ge_r);
    else if (!strcmp(key, "ge_loss_bad"))
        bad = parse_prob(val, &p->ge_loss_bad);
    else if (!strcmp(key, "ge_loss_good"))
        bad = parse_prob(val, &p->ge_loss_good);
    else if (!strcmp(key, "ge_max_burst"))
        bad = parse_u64(val, &p->ge_max_burst);
    else if (!strcmp(key, "reorder"))
        bad = parse_prob(val, &p->reorder);
    else if (!strcmp(key, "duplicate"))
        bad = parse_prob(val, &p->duplicate);
    else if (!strcmp(key, "corrupt"))
        bad = parse_prob(val, &p->corrupt);
    else if (!strcmp(key, "rate_bps")) {
        double v;
        bad = parse_num(val, &v) || v > 1e13;
        if (!bad)
            p->rate_bps = (uint64_t)(v + 0.5);
    } else if (!strcmp(key, "queue_packets"))
        bad = parse_u64(val, &p->queue_packets);
    else if (!strcmp(key, "queue_bytes"))
        bad = parse_u64(val, &p->queue_bytes);
    else if (!strcmp(key, "outage"))
        return add_outage(c, val, mask_bit, err, errlen);
    else
        return fail(err, errlen, "unknown key '%s'", key);
    if (bad)
        return fail(err, errlen, "bad value for %s: '%s'", key, val);
    return 0;
}

int config_apply_line(struct config *c, const char *line, unsigned *changed, char *err, size_t errlen)
{
    char buf[512];
    size_t len = strlen(line);
    while (len && isspace((unsigned char)*line)) { line++; len--; }
    while (len && isspace((unsigned char)line[len - 1])) len--;
    if (len == 0 || line[0] == '#')
        return 0;
    if (len >= sizeof buf)
        return fail(err, errlen, "line too long");
    memcpy(buf, line, len);
    buf[len] = 0;
    char *eq = strchr(buf, '=');
    if (!eq)
        return fail(err, errlen, "expected key=value, got '%s'", buf);
    *eq = 0;
    char *key = buf, *val = eq + 1;
    size_t kl = strlen(key);
    while (kl && isspace((unsigned char)key[kl - 1])) key[--kl] = 0;
    while (isspace((unsigned char)*val)) val++;

    if (!strcmp(key, "seed")) {
        if (parse_u64(val, &c->seed))
            return fail(err, errlen, "bad seed '%s'", val);
        c->seed_set = 1;
        *changed |= CHANGED_SEED;
        return 0;
    }
    if (!strcmp(key, "rebind")) {
        *changed |= CHANGED_REBINDS;
        return add_rebind(c, val, err, errlen);
    }
    if (!strcmp(key, "rebind_address")) {
        struct in_addr a4;
        struct in6_addr a6;
        if (inet_pton(AF_INET, val, &a4) == 1) {
            if (c->n_rb4 >= MAX_REBIND_ADDRS)
                return fail(err, errlen, "too many IPv4 rebind addresses");
            c->rb4[c->n_rb4++] = a4;
        } else if (inet_pton(AF_INET6, val, &a6) == 1) {
            if (c->n_rb6 >= MAX_REBIND_ADDRS)
                return fail(err, errlen, "too many IPv6 rebind addresses");
            c->rb6[c->n_rb6++] = a6;
        } else
            return fail(err, errlen, "bad rebind_address '%s'", val);
        return 0;
    }
    if (!strcmp(key, "spin_us")) {
        /* parsed into a local: a refused value must leave the running setting as it was */
        uint64_t spin_ns;
        if (parse_time(val, 1e3, &spin_ns) || spin_ns > 10000000)
            return fail(err, errlen, "bad spin_us '%s' (0..10000)", val);
        c->spin_ns = spin_ns;
        return 0;
    }
    if (!strcmp(key, "outage")) {
        *changed |= CHANGED_OUTAGES;
        return add_outage(c, val, DIRMASK_BOTH, err, errlen);
    }

    /* direction keys: up.KEY, down.KEY, or KEY for both */
    unsigned mask = DIRMASK_BOTH;
    const char *k = key;
    if (!strncmp(key, "up.", 3)) {
        mask = DIRMASK_UP;
        k = key + 3;
    } else if (!strncmp(key, "down.", 5)) {
        mask = DIRMASK_DOWN;
        k = key + 5;
    }
    if (!strcmp(k, "outage")) {
        *changed |= CHANGED_OUTAGES;
        return add_outage(c, val, mask, err, errlen);
    }
    /* validate on a copy first so a bad value leaves both directions unchanged */
    struct dir_params tmp[NDIR] = {c->dir[0], c->dir[1]};
    for (int d = 0; d < NDIR; d++)
        if (mask & (1u << d))
            if (apply_dir_key(&tmp[d], k, val, 1u << d, c, err, errlen))
                return -1;
    c->dir[0] = tmp[0];
    c->dir[1] = tmp[1];
    return 0;
}

int config_load(struct config *c, const char *path, char *err, size_t errlen)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return fail(err, errlen, "cannot open config %s: %s", path, strerror(errno));
    char line[1024];
    int lineno = 0;
    unsigned changed = 0;
    while (fgets(line, sizeof line, f)) {
        lineno++;
        char e[256];
        if (config_apply_line(c, line, &changed, e, sizeof e)) {
            fclose(f);
            return fail(err, errlen, "%s:%d: %s", path, lineno, e);
        }
    }
    fclose(f);
    return 0;
}
