/* link-emulator: a userspace link emulator between two TUN devices (the mahimahi design).
 *
 *   link-emulator --client-netns NS --client-dev DEV --server-netns NS --server-dev DEV
 *                 [--config FILE] [--mtu BYTES] [--pool-packets N] [--txqueuelen N] [--no-up]
 *                 [--realtime PRIO]
 *
 * Each TUN device is opened inside its network namespace (setns into /var/run/netns/NAME,
 * or a path when the name contains '/'), non-persistent, so it vanishes with the process.
 * The emulator sets the devices' MTU and txqueuelen and brings them up (unless --no-up);
 * addresses and routes are the caller's job, after the ready line.
 *
 * Packets read from the client device go "up" and are written to the server device;
 * packets read from the server device go "down" to the client device.  Per direction:
 *   arrival -> NAT rebinding -> outage -> random loss -> Gilbert-Elliott loss
 *           -> duplication (the copy is queued like any packet) -> corruption
 *           -> rate (serialization, drop-tail queue) -> delay + jitter / reordering
 *           -> min-heap by departure time -> timerfd (absolute, CLOCK_MONOTONIC) -> write.
 *
 * Config (--config FILE, and `set` at run time): key=value lines, '#' comments.  Direction keys
 * take a prefix "up." (client->server) or "down." (server->client); without one they set both:
 *   delay_us, jitter_us (uniform +-), jitter_reorder=0|1 (default 0: jitter never reorders),
 *   loss, ge_p, ge_r, ge_loss_bad (default 1), ge_loss_good (default 0), ge_max_burst (0 = no cap),
 *   reorder (probability a packet skips the delay), duplicate, corrupt (one bit after the IP
 *   header), rate_bps (0 = unlimited), queue_packets, queue_bytes (drop-tail, only with a rate;
 *   0 = no limit), outage=START_MS,DURATION_MS[,PERIOD_MS[,COUNT]].
 * Global keys: seed (default: from the clock, reported in the ready line), outage=... (both
 * directions), rebind=AT_MS,port|address, rebind_address=IPv4|IPv6 (repeatable), spin_us (busy-poll
 * this long before a departure; off by default: measured not to help on the 2-core KVM guest).
 * Times of outages and rebinds are relative to the ready line.  Outages are checked when a packet
 * enters the link.  Loss and outage decisions are made once per packet on arrival, every random
 * choice from per-direction, per-impairment xoshiro256** streams derived from the seed.
 *
 * stdout carries JSON lines only; diagnostics go to stderr (prefixed "link-emulator:").
 * Commands on stdin (one per line): set KEY=VALUE [KEY=VALUE...] (atomic) | outage up|down|both MS
 * | rebind port|address|reset | stats | stats-reset | record start INTERVAL_MS [MAX_SAMPLES] | record stop
 * | record series [FROM [COUNT]] | quit.  Each command gets exactly one reply line carrying "command":
 * {"event":"ok",..}, {"event":"stats",..}, {"event":"series",..} or {"event":"error",..,"message":..}.
 * `record start` samples each direction's serialization queue (packets, bytes) and its drops since
 * the start by cause every INTERVAL_MS from the main loop's timer, into a ring of MAX_SAMPLES (default
 * 100000; the oldest give way, counted); `record stop` ends it, keeping the samples; `record series`
 * replies with up to COUNT (at most 2000) samples from index FROM, column by column, and nextIndex.
 * A command may start with "#ID " (ID a whole number): its reply then carries "id":ID, so a caller
 * that gave up waiting for one reply never takes it for the answer to its next command.
 * `rebind reset` undoes every rebind (the client's own address and port again, as at start).
 * Async lines: {"event":"rebind",..} when a rebind takes effect, {"event":"remap",..} when a flow
 * gets a new mapping after one (client, and the "from" and "to" address and port the server sees).
 */
#define _GNU_SOURCE
#include "emu.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <net/if.h>
#include <linux/if_tun.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/ioctl.h>
#include <sys/prctl.h>
#include <sys/signalfd.h>
#include <sys/socket.h>
#include <sys/timerfd.h>
#include <time.h>
#include <unistd.h>

#define READ_BURST 128
#define HBUCKETS 32
#define NONE UINT32_MAX

enum { RS_LOSS, RS_GE, RS_REORDER, RS_DUP, RS_CORRUPT, RS_JITTER, NSTREAMS };

static const char *const dir_name[NDIR] = {"up", "down"};

/* ---------------- time ---------------- */

static inline uint64_t now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* ---------------- output ---------------- */

static void diag(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
static void diag(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("link-emulator: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
}

/* A growable line buffer for JSON output. */
struct sbuf {
    char *p;
    size_t len, cap;
};

static void sb_printf(struct sbuf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void sb_printf(struct sbuf *b, const char *fmt, ...)
{
    for (;;) {
        va_list ap;
        va_start(ap, fmt);
        size_t room = b->cap - b->len;
        int n = vsnprintf(b->p ? b->p + b->len : NULL, room, fmt, ap);
        va_end(ap);
        if (n < 0)
            return;
        if ((size_t)n < room) {
            b->len += (size_t)n;
            return;
        }
        size_t ncap = b->cap ? b->cap * 2 : 4096;
        while (ncap < b->len + (size_t)n + 1)
            ncap *= 2;
        char *np = realloc(b->p, ncap);
        if (!np)
            return;
        b->p = np;
        b->cap = ncap;
    }
}

static void sb_json_string(struct sbuf *b, const char *s)
{
    sb_printf(b, "\"");
    for (; *s; s++) {
        unsigned char ch = (unsigned char)*s;
        if (ch == '"' || ch == '\\')
            sb_printf(b, "\\%c", ch);
        else if (ch < 0x20)
            sb_printf(b, "\\u%04x", ch);
        else
            sb_printf(b, "%c", ch);
    }
    sb_printf(b, "\"");
}

static int stdout_broken;

static void sb_emit(struct sbuf *b)
{
    sb_printf(b, "\n");
    size_t off = 0;
    while (off < b->len && !stdout_broken) {
        ssize_t n = write(STDOUT_FILENO, b->p + off, b->len - off);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            stdout_broken = 1;
            break;
        }
        off += (size_t)n;
    }
    b->len = 0;
}

static struct sbuf out;

/* The "#ID" of the command being answered, echoed in its reply; -1 while there is none. */
static long long reply_id = -1;

static void sb_reply_id(struct sbuf *b)
{
    if (reply_id >= 0)
        sb_printf(b, ",\"id\":%lld", reply_id);
}

/* Takes a leading "#ID " off a command line into reply_id (-1 without a well-formed one). */
static char *take_reply_id(char *line)
{
    reply_id = -1;
    while (*line == ' ' || *line == '\t')
        line++;
    if (*line != '#' || !isdigit((unsigned char)line[1]))
        return line;
    char *end;
    errno = 0;
    long long id = strtoll(line + 1, &end, 10);
    if (errno || (*end != ' ' && *end != '\t' && *end != 0))
        return line;
    reply_id = id;
    return end;
}

static void emit_error(const char *command, const char *msg)
{
    sb_printf(&out, "{\"event\":\"error\"");
    if (command) {
        sb_printf(&out, ",\"command\":");
        sb_json_string(&out, command);
        sb_reply_id(&out);
    }
    sb_printf(&out, ",\"message\":");
    sb_json_string(&out, msg);
    sb_printf(&out, "}");
    sb_emit(&out);
}

/* ---------------- packet pool ---------------- */

struct pkt {
    uint64_t depart_ns;
    uint64_t arrive_ns;
    uint64_t seq;
    uint32_t len;
    uint32_t pad;
};

static struct pkt *meta;
static uint8_t *bufs;
static uint32_t *free_stack;
static uint32_t n_free, pool_n;
static size_t slot_size;
static uint8_t *scratch;

static inline uint32_t pool_get(void) { return n_free ? free_stack[--n_free] : NONE; }
static inline void pool_put(uint32_t i) { free_stack[n_free++] = i; }
static inline uint8_t *pkt_data(uint32_t i) { return bufs + (size_t)i * slot_size; }

/* ---------------- statistics ---------------- */

struct hist {
    uint64_t b[HBUCKETS];
    uint64_t count, sum_ns, max_ns;
};

static inline void hist_add(struct hist *h, uint64_t ns)
{
    uint64_t us = ns / 1000;
    int i = us ? 64 - __builtin_clzll(us) : 0;
    if (i >= HBUCKETS)
        i = HBUCKETS - 1;
    h->b[i]++;
    h->count++;
    h->sum_ns += ns;
    if (ns > h->max_ns)
        h->max_ns = ns;
}

struct dir_stats {
    uint64_t packets_in, bytes_in, packets_out, bytes_out;
    uint64_t drop_loss, drop_burst, drop_queue, drop_outage, drop_nobuf, drop_write;
    uint64_t duplicated, corrupted, reordered, rebound;
    uint64_t max_queue_packets, max_queue_bytes;
    struct hist queue_delay; /* arrival -> end of serialization */
    struct hist hold;        /* arrival -> write */
    struct hist lateness;    /* scheduled departure -> write */
};

/* ---------------- per-direction state ---------------- */

struct dir_state {
    int in_fd, out_fd;
    /* scheduled packets: min-heap by (depart_ns, seq) */
    uint32_t *heap;
    uint32_t heap_n;
    /* serialization queue: FIFO of finish times of packets not yet fully transmitted */
    uint64_t *ring_finish;
    uint32_t *ring_len;
    uint32_t ring_head, ring_n;
    uint64_t q_bytes;
    uint64_t last_finish, last_depart;
    int ge_bad;
    uint64_t ge_burst;
    rng_t rng[NSTREAMS];
    struct dir_stats st;
};

static struct config cfg;
static struct dir_state dirs[NDIR];
static struct nat nat;
static uint64_t seq_counter;
static uint64_t start_ns;
static uint64_t stats_since_ns; /* start, or the last stats-reset */
static uint64_t next_rebind_ns = UINT64_MAX; /* absolute */
static int timer_fd = -1;
static uint64_t timer_armed_ns = UINT64_MAX;
static struct series series;
/* The drop counters at the recording's start (moved by a stats-reset during it), so the series counts from 0. */
static struct series_point rec_base[NDIR];
#define SERIES_DEFAULT_SAMPLES 100000
#define SERIES_PAGE_SAMPLES 2000

static void reseed(void)
{
    for (int d = 0; d < NDIR; d++)
        for (int s = 0; s < NSTREAMS; s++)
            rng_seed(&dirs[d].rng[s], cfg.seed, (uint64_t)(d * 16 + s + 1));
    nat_reseed(&nat, cfg.seed); /* keeps the current mappings */
}

static inline int before(uint32_t a, uint32_t b)
{
    return meta[a].depart_ns < meta[b].depart_ns || (meta[a].depart_ns == meta[b].depart_ns && meta[a].seq < meta[b].seq);
}

static void heap_push(struct dir_state *ds, uint32_t idx)
{
    uint32_t i = ds->heap_n++;
    while (i > 0) {
        uint32_t parent = (i - 1) / 2;
        if (!before(idx, ds->heap[parent]))
            break;
        ds->heap[i] = ds->heap[parent];
        i = parent;
    }
    ds->heap[i] = idx;
}

static uint32_t heap_pop(struct dir_state *ds)
{
    uint32_t top = ds->heap[0];
    uint32_t last = ds->heap[--ds->heap_n];
    uint32_t n = ds->heap_n, i = 0;
    if (n == 0)
        return top;
    for (;;) {
        uint32_t l = 2 * i + 1, r = l + 1, m = i;
        uint32_t mv = last;
        if (l < n && before(ds->heap[l], mv)) {
            m = l;
            mv = ds->heap[l];
        }
        if (r < n && before(ds->heap[r], mv)) {
            m = r;
            mv = ds->heap[r];
        }
        if (m == i)
            break;
        ds->heap[i] = ds->heap[m];
        i = m;
    }
    ds->heap[i] = last;
    return top;
}

/* ---------------- outages and rebinds ---------------- */

static int outage_active(int d, uint64_t now)
{
    if (!cfg.n_outages || now < start_ns)
        return 0;
    uint64_t t = now - start_ns;
    for (size_t i = 0; i < cfg.n_outages; i++) {
        const struct outage *o = &cfg.outages[i];
        if (!(o->dirmask & (1u << d)) || t < o->start_ns)
            continue;
        uint64_t rel = t - o->start_ns;
        if (o->period_ns) {
            uint64_t k = rel / o->period_ns;
            if (o->count && k >= o->count)
                continue;
            rel -= k * o->period_ns;
        }
        if (rel < o->dur_ns)
            return 1;
    }
    return 0;
}

static void update_next_rebind(void)
{
    next_rebind_ns = UINT64_MAX;
    for (size_t i = 0; i < cfg.n_rebinds; i++)
        if (!cfg.rebinds[i].done && start_ns + cfg.rebinds[i].at_ns < next_rebind_ns)
            next_rebind_ns = start_ns + cfg.rebinds[i].at_ns;
}

static void do_rebind(int kind, uint64_t now, const char *why)
{
    nat_rebind(&nat, kind);
    sb_printf(&out,
              "{\"event\":\"rebind\",\"kind\":\"%s\",\"reason\":\"%s\",\"elapsedMs\":%.3f,\"portRebinds\":%" PRIu64
              ",\"addressRebinds\":%" PRIu64 "}",
              kind == REBIND_PORT ? "port" : "address", why, (double)(now - start_ns) / 1e6, nat.port_rebinds, nat.addr_rebinds);
    sb_emit(&out);
}

static void sb_endpoint(struct sbuf *b, const char *name, int family, const uint8_t *addr, uint16_t port)
{
    char text[INET6_ADDRSTRLEN] = "";
    inet_ntop(family == 4 ? AF_INET : AF_INET6, addr, text, sizeof text);
    sb_printf(b, "\"%s\":{\"address\":\"%s\",\"port\":%u}", name, text, (unsigned)port);
}

/* A flow got a new mapping (nat_up): which address and port the server saw of it before and from now on. */
static void emit_remap(uint64_t now)
{
    struct nat_remap *r = &nat.remap;
    r->pending = 0;
    sb_printf(&out, "{\"event\":\"remap\",\"protocol\":\"%s\",\"elapsedMs\":%.3f,", r->proto == 17 ? "udp" : "tcp",
              (double)(now - start_ns) / 1e6);
    sb_endpoint(&out, "client", r->family, r->client_addr, r->client_port);
    sb_printf(&out, ",");
    sb_endpoint(&out, "from", r->family, r->from_addr, r->from_port);
    sb_printf(&out, ",");
    sb_endpoint(&out, "to", r->family, r->to_addr, r->to_port);
    sb_printf(&out, "}");
    sb_emit(&out);
}

static void run_rebinds(uint64_t now)
{
    if (now < next_rebind_ns)
        return;
    /* apply due events in time order */
    for (;;) {
        struct rebind_ev *best = NULL;
        for (size_t i = 0; i < cfg.n_rebinds; i++) {
            struct rebind_ev *ev = &cfg.rebinds[i];
            if (!ev->done && start_ns + ev->at_ns <= now && (!best || ev->at_ns < best->at_ns))
                best = ev;
        }
        if (!best)
            break;
        best->done = 1;
        do_rebind(best->kind, now, "scheduled");
    }
    update_next_rebind();
}

/* ---------------- data path ---------------- */

/* Takes the packets whose serialization has finished by `now` off the queue (kept lazily). */
static void drain_queue(struct dir_state *ds, uint64_t now)
{
    while (ds->ring_n && ds->ring_finish[ds->ring_head] <= now) {
        ds->q_bytes -= ds->ring_len[ds->ring_head];
        ds->ring_head = (ds->ring_head + 1) % pool_n;
        ds->ring_n--;
    }
}

static void enqueue(int d, uint32_t idx, uint32_t len, uint64_t now)
{
    struct dir_state *ds = &dirs[d];
    const struct dir_params *p = &cfg.dir[d];
    uint64_t finish = now;

    if (p->rate_bps) {
        drain_queue(ds, now);
        if ((p->queue_packets && ds->ring_n >= p->queue_packets) ||
            (p->queue_bytes && ds->q_bytes + len > p->queue_bytes)) {
            ds->st.drop_queue++;
            pool_put(idx);
            return;
        }
        uint64_t start = ds->last_finish > now ? ds->last_finish : now;
        finish = start + ((uint64_t)len * 8ULL * 1000000000ULL + p->rate_bps / 2) / p->rate_bps;
        ds->last_finish = finish;
        uint32_t tail = (ds->ring_head + ds->ring_n) % pool_n;
        ds->ring_finish[tail] = finish;
        ds->ring_len[tail] = len;
        ds->ring_n++;
        ds->q_bytes += len;
        if (ds->ring_n > ds->st.max_queue_packets)
            ds->st.max_queue_packets = ds->ring_n;
        if (ds->q_bytes > ds->st.max_queue_bytes)
            ds->st.max_queue_bytes = ds->q_bytes;
    }
    hist_add(&ds->st.queue_delay, finish - now);

    uint64_t depart = finish + p->delay_ns;
    if (p->jitter_ns) {
        /* uniform in [-jitter, +jitter], never before the end of serialization */
        double j = (rng_unit(&ds->rng[RS_JITTER]) * 2.0 - 1.0) * (double)p->jitter_ns;
        int64_t jd = (int64_t)j;
        if (jd < 0 && (uint64_t)(-jd) > depart - finish)
            depart = finish;
        else
            depart = (uint64_t)((int64_t)depart + jd);
    }
    if (p->reorder > 0 && rng_unit(&ds->rng[RS_REORDER]) < p->reorder && depart > finish) {
        depart = finish; /* skips the delay: overtakes the packets in flight */
        ds->st.reordered++;
    } else if (!p->jitter_reorder) {
        if (depart < ds->last_depart)
            depart = ds->last_depart;
        ds->last_depart = depart;
    }
    meta[idx].depart_ns = depart;
    meta[idx].arrive_ns = now;
    meta[idx].seq = seq_counter++;
    meta[idx].len = len;
    heap_push(ds, idx);
}

static void arrival(int d, uint32_t idx, uint32_t len, uint64_t now)
{
    struct dir_state *ds = &dirs[d];
    const struct dir_params *p = &cfg.dir[d];
    uint8_t *data = pkt_data(idx);

    ds->st.packets_in++;
    ds->st.bytes_in += len;

    if (d == DIR_UP) {
        if (nat_up(&nat, &cfg, data, len))
            ds->st.rebound++;
        if (nat.remap.pending)
            emit_remap(now);
    } else if (nat_down(&nat, data, len))
        ds->st.rebound++;

    if (outage_active(d, now)) {
        ds->st.drop_outage++;
        pool_put(idx);
        return;
    }
    if (p->loss > 0 && rng_unit(&ds->rng[RS_LOSS]) < p->loss) {
        ds->st.drop_loss++;
        pool_put(idx);
        return;
    }
    if (p->ge_p > 0 || ds->ge_bad) {
        rng_t *r = &ds->rng[RS_GE];
        if (ds->ge_bad) {
            if (rng_unit(r) < p->ge_r)
                ds->ge_bad = 0;
        } else if (rng_unit(r) < p->ge_p)
            ds->ge_bad = 1;
        double pl = ds->ge_bad ? p->ge_loss_bad : p->ge_loss_good;
        int lost = pl > 0 && rng_unit(r) < pl;
        if (lost && p->ge_max_burst && ds->ge_burst >= p->ge_max_burst) {
            lost = 0;
            ds->ge_bad = 0; /* burst cap reached: back to the good state */
        }
        if (lost) {
            ds->ge_burst++;
            ds->st.drop_burst++;
            pool_put(idx);
            return;
        }
        ds->ge_burst = 0;
    }
    uint32_t dup = NONE;
    if (p->duplicate > 0 && rng_unit(&ds->rng[RS_DUP]) < p->duplicate) {
        dup = pool_get();
        if (dup == NONE)
            ds->st.drop_nobuf++;
        else {
            memcpy(pkt_data(dup), data, len);
            ds->st.duplicated++;
        }
    }
    if (p->corrupt > 0 && rng_unit(&ds->rng[RS_CORRUPT]) < p->corrupt) {
        size_t off = ip_payload_offset(data, len);
        if (off && off < len) {
            uint64_t r = rng_next(&ds->rng[RS_CORRUPT]);
            size_t pos = off + (size_t)(r % (len - off));
            data[pos] ^= (uint8_t)(1u << ((r >> 32) & 7));
            ds->st.corrupted++;
        }
    }
    enqueue(d, idx, len, now);
    if (dup != NONE)
        enqueue(d, dup, len, now);
}

/* Drains up to READ_BURST packets from one device. Returns -1 on a fatal read error. */
static int read_burst(int d)
{
    struct dir_state *ds = &dirs[d];
    for (int i = 0; i < READ_BURST; i++) {
        uint32_t idx = pool_get();
        uint8_t *buf = idx == NONE ? scratch : pkt_data(idx);
        ssize_t n = read(ds->in_fd, buf, slot_size);
        if (n < 0) {
            if (idx != NONE)
                pool_put(idx);
            if (errno == EINTR)
                continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK)
                return 0;
            char msg[160];
            snprintf(msg, sizeof msg, "read from %s device: %s", d == DIR_UP ? "client" : "server", strerror(errno));
            emit_error(NULL, msg);
            return -1;
        }
        uint64_t now = now_ns();
        if (n == 0) {
            if (idx != NONE)
                pool_put(idx);
            continue;
        }
        if (idx == NONE) {
            ds->st.packets_in++;
            ds->st.bytes_in += (uint64_t)n;
            ds->st.drop_nobuf++;
            continue;
        }
        arrival(d, idx, (uint32_t)n, now);
    }
    return 0;
}


/* Writes every packet whose departure time has come. */
static void run_departures(void)
{
    for (int d = 0; d < NDIR; d++) {
        struct dir_state *ds = &dirs[d];
        while (ds->heap_n) {
            uint32_t idx = ds->heap[0];
            uint64_t now = now_ns();
            if (meta[idx].depart_ns > now)
                break;
            heap_pop(ds);
            ssize_t n;
            do
                n = write(ds->out_fd, pkt_data(idx), meta[idx].len);
            while (n < 0 && errno == EINTR);
            if (n < 0)
                ds->st.drop_write++;
            else {
                ds->st.packets_out++;
                ds->st.bytes_out += meta[idx].len;
                hist_add(&ds->st.lateness, now - meta[idx].depart_ns);
                hist_add(&ds->st.hold, now - meta[idx].arrive_ns);
            }
            pool_put(idx);
        }
    }
}

/* ---------------- queue series ---------------- */

static void drop_counters(int d, struct series_point *p)
{
    const struct dir_stats *st = &dirs[d].st;
    p->drop_queue = st->drop_queue;
    p->drop_loss = st->drop_loss;
    p->drop_burst = st->drop_burst;
    p->drop_outage = st->drop_outage;
}

static void take_sample(uint64_t now)
{
    struct series_sample *smp = series_push(&series);
    smp->at_ns = now;
    for (int d = 0; d < NDIR; d++) {
        struct series_point *p = &smp->dir[d];
        drain_queue(&dirs[d], now);
        p->queue_packets = dirs[d].ring_n;
        p->queue_bytes = dirs[d].q_bytes;
        drop_counters(d, p);
        /* unsigned: stays right across a stats-reset, which moved the base by as much */
        p->drop_queue -= rec_base[d].drop_queue;
        p->drop_loss -= rec_base[d].drop_loss;
        p->drop_burst -= rec_base[d].drop_burst;
        p->drop_outage -= rec_base[d].drop_outage;
    }
}

/* A sample per tick that has come; ticks the loop woke too late for are counted, not invented. */
static void run_sampling(uint64_t now)
{
    if (!series.recording || now < series.next_ns)
        return;
    take_sample(now);
    uint64_t late = (now - series.next_ns) / series.interval_ns;
    series.missed_ticks += late;
    series.next_ns += (late + 1) * series.interval_ns;
}

static void emit_series(uint64_t from, uint64_t count)
{
    uint64_t first = series_first(&series);
    if (from < first)
        from = first;
    if (from > series.total)
        from = series.total;
    if (count > SERIES_PAGE_SAMPLES)
        count = SERIES_PAGE_SAMPLES;
    uint64_t end = series.total - from < count ? series.total : from + count;
    sb_printf(&out, "{\"event\":\"series\",\"command\":\"record\"");
    sb_reply_id(&out);
    sb_printf(&out, ",\"recording\":%s,\"intervalMs\":%.3f,\"capacity\":%" PRIu64 ",\"totalSamples\":%" PRIu64
                    ",\"droppedSamples\":%" PRIu64 ",\"missedTicks\":%" PRIu64 ",\"firstIndex\":%" PRIu64
                    ",\"nextIndex\":%" PRIu64 ",\"elapsedMs\":[",
              series.recording ? "true" : "false", (double)series.interval_ns / 1e6, series.capacity, series.total, first,
              series.missed_ticks, from, end);
    for (uint64_t i = from; i < end; i++)
        sb_printf(&out, "%s%.3f", i > from ? "," : "", (double)(series_at(&series, i)->at_ns - start_ns) / 1e6);
    sb_printf(&out, "]");
    static const char *const names[] = {"queuePackets", "queueBytes", "queueOverflow", "loss", "burstLoss", "outage"};
    for (int d = 0; d < NDIR; d++) {
        sb_printf(&out, ",\"%s\":{", dir_name[d]);
        for (int f = 0; f < 6; f++) {
            sb_printf(&out, "%s\"%s\":[", f ? "," : "", names[f]);
            for (uint64_t i = from; i < end; i++) {
                const struct series_point *p = &series_at(&series, i)->dir[d];
                const uint64_t v[6] = {p->queue_packets, p->queue_bytes, p->drop_queue, p->drop_loss, p->drop_burst, p->drop_outage};
                sb_printf(&out, "%s%" PRIu64, i > from ? "," : "", v[f]);
            }
            sb_printf(&out, "]");
        }
        sb_printf(&out, "}");
    }
    sb_printf(&out, "}");
    sb_emit(&out);
}

/* Parses a whole number in [lo, hi]; returns -1 if it is not one. */
static int parse_u64(const char *s, uint64_t lo, uint64_t hi, uint64_t *v)
{
    char *end;
    if (!isdigit((unsigned char)*s))
        return -1;
    errno = 0;
    unsigned long long x = strtoull(s, &end, 10);
    if (errno || *end || x < lo || x > hi)
        return -1;
    *v = x;
    return 0;
}

static void emit_ok(const char *command);

static void record_command(char *arg, uint64_t now)
{
    static const char usage[] = "usage: record start INTERVAL_MS [MAX_SAMPLES] | record stop | record series [FROM [COUNT]]";
    char *words[4] = {0};
    int n = 0;
    for (char *save = NULL, *w = strtok_r(arg, " \t", &save); w; w = strtok_r(NULL, " \t", &save)) {
        if (n == 4) {
            emit_error("record", usage);
            return;
        }
        words[n++] = w;
    }
    if (n >= 2 && n <= 3 && !strcmp(words[0], "start")) {
        char *end;
        double ms = strtod(words[1], &end);
        uint64_t cap = SERIES_DEFAULT_SAMPLES;
        if (*end || end == words[1] || !(ms >= 1 && ms <= 60000) || (n == 3 && parse_u64(words[2], 1, SERIES_MAX_SAMPLES, &cap))) {
            emit_error("record", "record start: INTERVAL_MS within 1..60000, MAX_SAMPLES within 1..1000000");
            return;
        }
        if (series.recording) {
            emit_error("record", "already recording (record stop first)");
            return;
        }
        if (series_start(&series, (uint64_t)(ms * 1e6), cap)) {
            emit_error("record", "out of memory for the series");
            return;
        }
        for (int d = 0; d < NDIR; d++)
            drop_counters(d, &rec_base[d]);
        series.next_ns = now; /* the first sample at once: the state at the start */
        run_sampling(now);
        emit_ok("record");
        return;
    }
    if (n == 1 && !strcmp(words[0], "stop")) {
        series.recording = 0;
        emit_ok("record");
        return;
    }
    if (n >= 1 && !strcmp(words[0], "series")) {
        uint64_t from = 0, count = SERIES_PAGE_SAMPLES;
        if ((n >= 2 && parse_u64(words[1], 0, UINT64_MAX, &from)) || (n == 3 && parse_u64(words[2], 1, UINT64_MAX, &count))) {
            emit_error("record", usage);
            return;
        }
        emit_series(from, count);
        return;
    }
    emit_error("record", usage);
}

/* The earliest scheduled departure, or UINT64_MAX. */
static uint64_t next_departure(void)
{
    uint64_t next = UINT64_MAX;
    for (int d = 0; d < NDIR; d++)
        if (dirs[d].heap_n && meta[dirs[d].heap[0]].depart_ns < next)
            next = meta[dirs[d].heap[0]].depart_ns;
    return next;
}

static void fatal_json(const char *msg) __attribute__((noreturn));

/* Arms the timerfd for the next departure (or spin_ns before it) or the next scheduled rebind. */
static void arm_timer(void)
{
    uint64_t next = next_departure();
    if (next != UINT64_MAX && cfg.spin_ns) {
        next = next > cfg.spin_ns ? next - cfg.spin_ns : 1;
        if (next <= now_ns())
            next = UINT64_MAX; /* inside the spin window: the main loop polls */
    }
    if (next_rebind_ns < next)
        next = next_rebind_ns;
    if (series.recording && series.next_ns < next)
        next = series.next_ns;
    if (next == timer_armed_ns)
        return;
    struct itimerspec its = {0};
    if (next != UINT64_MAX) {
        its.it_value.tv_sec = (time_t)(next / 1000000000ULL);
        its.it_value.tv_nsec = (long)(next % 1000000000ULL);
    }
    /* A timer that failed to arm would stall every queued packet without a word: stop instead. */
    if (timerfd_settime(timer_fd, TFD_TIMER_ABSTIME, &its, NULL) < 0) {
        char msg[120];
        snprintf(msg, sizeof msg, "timerfd_settime failed: %s", strerror(errno));
        fatal_json(msg);
    }
    timer_armed_ns = next;
}

/* ---------------- stats output ---------------- */

static void sb_hist(struct sbuf *b, const char *name, const struct hist *h)
{
    sb_printf(b, "\"%s\":{\"count\":%" PRIu64 ",\"sumNs\":%" PRIu64 ",\"maxNs\":%" PRIu64 ",\"bucketCountsLog2Us\":[", name,
              h->count, h->sum_ns, h->max_ns);
    int last = HBUCKETS - 1;
    while (last > 0 && !h->b[last])
        last--;
    for (int i = 0; i <= last; i++)
        sb_printf(b, "%s%" PRIu64, i ? "," : "", h->b[i]);
    sb_printf(b, "]}");
}

static void sb_stats(struct sbuf *b, uint64_t now)
{
    sb_printf(b, "\"elapsedMs\":%.3f,\"intervalMs\":%.3f,\"seed\":%" PRIu64 ",\"poolFree\":%" PRIu32 ",\"portRebinds\":%" PRIu64
                 ",\"addressRebinds\":%" PRIu64,
              (double)(now - start_ns) / 1e6, (double)(now - stats_since_ns) / 1e6, cfg.seed, n_free, nat.port_rebinds,
              nat.addr_rebinds);
    for (int d = 0; d < NDIR; d++) {
        struct dir_state *ds = &dirs[d];
        const struct dir_stats *s = &ds->st;
        drain_queue(ds, now); /* current serialization queue */
        sb_printf(b,
                  ",\"%s\":{\"packetsIn\":%" PRIu64 ",\"bytesIn\":%" PRIu64 ",\"packetsOut\":%" PRIu64 ",\"bytesOut\":%" PRIu64
                  ",\"dropped\":{\"loss\":%" PRIu64 ",\"burstLoss\":%" PRIu64 ",\"queueOverflow\":%" PRIu64
                  ",\"outage\":%" PRIu64 ",\"noBuffer\":%" PRIu64 ",\"writeError\":%" PRIu64 "}"
                  ",\"duplicated\":%" PRIu64 ",\"corrupted\":%" PRIu64 ",\"reordered\":%" PRIu64 ",\"rebound\":%" PRIu64
                  ",\"queuePackets\":%" PRIu32 ",\"queueBytes\":%" PRIu64 ",\"maxQueuePackets\":%" PRIu64
                  ",\"maxQueueBytes\":%" PRIu64 ",\"inFlightPackets\":%" PRIu32 ",\"outageActive\":%s,\"burstState\":\"%s\",",
                  dir_name[d], s->packets_in, s->bytes_in, s->packets_out, s->bytes_out, s->drop_loss, s->drop_burst,
                  s->drop_queue, s->drop_outage, s->drop_nobuf, s->drop_write, s->duplicated, s->corrupted, s->reordered,
                  s->rebound, ds->ring_n, ds->q_bytes, s->max_queue_packets, s->max_queue_bytes, ds->heap_n,
                  outage_active(d, now) ? "true" : "false", ds->ge_bad ? "bad" : "good");
        sb_hist(b, "queueDelay", &s->queue_delay);
        sb_printf(b, ",");
        sb_hist(b, "holdTime", &s->hold);
        sb_printf(b, ",");
        sb_hist(b, "lateness", &s->lateness);
        sb_printf(b, "}");
    }
}

static void emit_stats(const char *command, const char *reason)
{
    uint64_t now = now_ns();
    if (reason)
        sb_printf(&out, "{\"event\":\"stopped\",\"reason\":\"%s\",", reason);
    else {
        sb_printf(&out, "{\"event\":\"stats\",\"command\":\"%s\"", command);
        sb_reply_id(&out);
        sb_printf(&out, ",");
    }
    sb_stats(&out, now);
    sb_printf(&out, "}");
    sb_emit(&out);
}

/* ---------------- commands ---------------- */

static int parse_dirmask(const char *s, unsigned *mask)
{
    if (!strcmp(s, "up"))
        *mask = DIRMASK_UP;
    else if (!strcmp(s, "down"))
        *mask = DIRMASK_DOWN;
    else if (!strcmp(s, "both"))
        *mask = DIRMASK_BOTH;
    else
        return -1;
    return 0;
}

static void emit_ok(const char *command)
{
    sb_printf(&out, "{\"event\":\"ok\",\"command\":\"%s\"", command);
    sb_reply_id(&out);
    sb_printf(&out, "}");
    sb_emit(&out);
}

/* Returns 1 to quit. */
static int handle_command(char *line)
{
    line = take_reply_id(line);
    size_t len = strlen(line);
    while (len && (line[len - 1] == '\r' || line[len - 1] == ' ' || line[len - 1] == '\t'))
        line[--len] = 0;
    while (*line == ' ' || *line == '\t')
        line++;
    if (!*line)
        return 0;
    char *arg = line;
    while (*arg && *arg != ' ' && *arg != '\t')
        arg++;
    if (*arg)
        *arg++ = 0;
    while (*arg == ' ' || *arg == '\t')
        arg++;
    const char *cmd = line;
    char err[256];
    uint64_t now = now_ns();

    if (!strcmp(cmd, "quit"))
        return 1;
    if (!strcmp(cmd, "stats")) {
        emit_stats("stats", NULL);
        return 0;
    }
    if (!strcmp(cmd, "stats-reset")) {
        for (int d = 0; d < NDIR; d++) {
            struct series_point zeroed;
            drop_counters(d, &zeroed); /* a recording keeps counting from its own start */
            rec_base[d].drop_queue -= zeroed.drop_queue;
            rec_base[d].drop_loss -= zeroed.drop_loss;
            rec_base[d].drop_burst -= zeroed.drop_burst;
            rec_base[d].drop_outage -= zeroed.drop_outage;
            memset(&dirs[d].st, 0, sizeof dirs[d].st);
            dirs[d].st.max_queue_packets = dirs[d].ring_n;
            dirs[d].st.max_queue_bytes = dirs[d].q_bytes;
        }
        stats_since_ns = now;
        emit_ok("stats-reset");
        return 0;
    }
    if (!strcmp(cmd, "set")) {
        /* one or more KEY=VALUE separated by blanks, applied together or not at all */
        unsigned changed = 0;
        static struct config tmp;
        tmp = cfg;
        if (!*arg) {
            emit_error("set", "usage: set KEY=VALUE [KEY=VALUE...]");
            return 0;
        }
        for (char *save = NULL, *kv = strtok_r(arg, " \t", &save); kv; kv = strtok_r(NULL, " \t", &save)) {
            if (config_apply_line(&tmp, kv, &changed, err, sizeof err)) {
                emit_error("set", err);
                return 0;
            }
        }
        cfg = tmp;
        if (changed & CHANGED_SEED)
            reseed();
        if (changed & CHANGED_REBINDS)
            update_next_rebind();
        emit_ok("set");
        return 0;
    }
    if (!strcmp(cmd, "outage")) {
        char dirs_s[16];
        double ms;
        char extra;
        unsigned mask;
        if (sscanf(arg, "%15s %lf %c", dirs_s, &ms, &extra) != 2 || parse_dirmask(dirs_s, &mask) || !(ms >= 0) ||
            ms > 1e10) {
            emit_error("outage", "usage: outage up|down|both DURATION_MS");
            return 0;
        }
        if (cfg.n_outages >= MAX_OUTAGES) {
            emit_error("outage", "too many outages");
            return 0;
        }
        struct outage o = {0};
        o.start_ns = now - start_ns;
        o.dur_ns = (uint64_t)(ms * 1e6);
        o.dirmask = mask;
        cfg.outages[cfg.n_outages++] = o;
        emit_ok("outage");
        return 0;
    }
    if (!strcmp(cmd, "rebind")) {
        if (!strcmp(arg, "reset"))
            nat_reset(&nat);
        else if (!strcmp(arg, "port"))
            do_rebind(REBIND_PORT, now, "command");
        else if (!strcmp(arg, "address")) {
            if (!cfg.n_rb4 && !cfg.n_rb6) {
                emit_error("rebind", "rebind address needs rebind_address=... first");
                return 0;
            }
            do_rebind(REBIND_ADDRESS, now, "command");
        } else {
            emit_error("rebind", "usage: rebind port|address|reset");
            return 0;
        }
        emit_ok("rebind");
        return 0;
    }
    if (!strcmp(cmd, "record")) {
        record_command(arg, now);
        return 0;
    }
    snprintf(err, sizeof err, "unknown command '%.64s' (set, outage, rebind, stats, stats-reset, record, quit)", cmd);
    emit_error("unknown", err);
    return 0;
}

/* ---------------- devices ---------------- */

struct dev {
    const char *netns;
    const char *name;
    int fd;
    int ifindex;
};

static int open_tun(struct dev *dv, int mtu, int txqlen, int bring_up, char *err, size_t errlen)
{
    int orig = open("/proc/self/ns/net", O_RDONLY | O_CLOEXEC);
    if (orig < 0) {
        snprintf(err, errlen, "open /proc/self/ns/net: %s", strerror(errno));
        return -1;
    }
    char path[512];
    if (strchr(dv->netns, '/'))
        snprintf(path, sizeof path, "%s", dv->netns);
    else
        snprintf(path, sizeof path, "/var/run/netns/%s", dv->netns);
    int nsfd = open(path, O_RDONLY | O_CLOEXEC);
    if (nsfd < 0) {
        snprintf(err, errlen, "open namespace %.300s: %s", path, strerror(errno));
        close(orig);
        return -1;
    }
    if (setns(nsfd, CLONE_NEWNET) < 0) {
        snprintf(err, errlen, "setns %.300s: %s", path, strerror(errno));
        close(nsfd);
        close(orig);
        return -1;
    }
    close(nsfd);
    int rc = -1, sock = -1;
    int fd = open("/dev/net/tun", O_RDWR | O_NONBLOCK | O_CLOEXEC);
    struct ifreq ifr;
    if (fd < 0) {
        snprintf(err, errlen, "open /dev/net/tun: %s", strerror(errno));
        goto back;
    }
    memset(&ifr, 0, sizeof ifr);
    ifr.ifr_flags = IFF_TUN | IFF_NO_PI;
    snprintf(ifr.ifr_name, IFNAMSIZ, "%s", dv->name);
    if (ioctl(fd, TUNSETIFF, &ifr) < 0) {
        snprintf(err, errlen, "TUNSETIFF %s in %s: %s", dv->name, dv->netns, strerror(errno));
        goto back;
    }
    sock = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    if (sock < 0) {
        snprintf(err, errlen, "socket: %s", strerror(errno));
        goto back;
    }
    struct ifreq q;
    memset(&q, 0, sizeof q);
    snprintf(q.ifr_name, IFNAMSIZ, "%s", ifr.ifr_name);
    q.ifr_mtu = mtu;
    if (ioctl(sock, SIOCSIFMTU, &q) < 0) {
        snprintf(err, errlen, "set MTU %d on %s: %s", mtu, dv->name, strerror(errno));
        goto back;
    }
    memset(&q, 0, sizeof q);
    snprintf(q.ifr_name, IFNAMSIZ, "%s", ifr.ifr_name);
    q.ifr_qlen = txqlen;
    if (ioctl(sock, SIOCSIFTXQLEN, &q) < 0) {
        snprintf(err, errlen, "set txqueuelen on %s: %s", dv->name, strerror(errno));
        goto back;
    }
    memset(&q, 0, sizeof q);
    snprintf(q.ifr_name, IFNAMSIZ, "%s", ifr.ifr_name);
    if (ioctl(sock, SIOCGIFINDEX, &q) == 0)
        dv->ifindex = q.ifr_ifindex;
    if (bring_up) {
        memset(&q, 0, sizeof q);
        snprintf(q.ifr_name, IFNAMSIZ, "%s", ifr.ifr_name);
        if (ioctl(sock, SIOCGIFFLAGS, &q) < 0) {
            snprintf(err, errlen, "get flags of %s: %s", dv->name, strerror(errno));
            goto back;
        }
        q.ifr_flags |= IFF_UP;
        if (ioctl(sock, SIOCSIFFLAGS, &q) < 0) {
            snprintf(err, errlen, "bring %s up: %s", dv->name, strerror(errno));
            goto back;
        }
    }
    dv->fd = fd;
    fd = -1;
    rc = 0;
back:
    if (sock >= 0)
        close(sock);
    if (fd >= 0)
        close(fd);
    if (setns(orig, CLONE_NEWNET) < 0) {
        diag("cannot return to the original namespace: %s", strerror(errno));
        exit(1);
    }
    close(orig);
    return rc;
}

/* ---------------- main ---------------- */

static void usage(void)
{
    fprintf(stderr,
            "usage: link-emulator --client-netns NS --client-dev DEV --server-netns NS --server-dev DEV\n"
            "                     [--config FILE] [--mtu BYTES] [--pool-packets N] [--txqueuelen N] [--no-up]\n"
            "                     [--realtime PRIO]   (SCHED_FIFO priority 1..99: fewer scheduling stalls)\n");
}

static void fatal_json(const char *msg)
{
    emit_error(NULL, msg);
    diag("%s", msg);
    exit(1);
}

static long parse_long_arg(const char *name, const char *v, long lo, long hi)
{
    char *end;
    errno = 0;
    long x = strtol(v, &end, 10);
    if (errno || end == v || *end || x < lo || x > hi) {
        char msg[200];
        snprintf(msg, sizeof msg, "bad value for %s: '%s' (%ld..%ld)", name, v, lo, hi);
        emit_error(NULL, msg);
        diag("%s", msg);
        exit(2);
    }
    return x;
}

int main(int argc, char **argv)
{
    struct dev devs[NDIR] = {{NULL, NULL, -1, 0}, {NULL, NULL, -1, 0}}; /* [UP] = client, [DOWN] = server */
    const char *config_path = NULL;
    long mtu = 1500, pool = 32768, txqlen = 1000, rt_prio = 0;
    int bring_up = 1;

    for (int i = 1; i < argc; i++) {
        const char *a = argv[i];
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--no-up")) {
            bring_up = 0;
            continue;
        }
        if (!strcmp(a, "--help") || !strcmp(a, "-h")) {
            usage();
            return 0;
        }
        if (!v) {
            usage();
            return 2;
        }
        if (!strcmp(a, "--client-netns"))
            devs[DIR_UP].netns = v;
        else if (!strcmp(a, "--client-dev"))
            devs[DIR_UP].name = v;
        else if (!strcmp(a, "--server-netns"))
            devs[DIR_DOWN].netns = v;
        else if (!strcmp(a, "--server-dev"))
            devs[DIR_DOWN].name = v;
        else if (!strcmp(a, "--config"))
            config_path = v;
        else if (!strcmp(a, "--mtu"))
            mtu = parse_long_arg("--mtu", v, 576, 9000);
        else if (!strcmp(a, "--pool-packets"))
            pool = parse_long_arg("--pool-packets", v, 64, 4 * 1024 * 1024);
        else if (!strcmp(a, "--realtime"))
            rt_prio = parse_long_arg("--realtime", v, 1, 99);
        else if (!strcmp(a, "--txqueuelen"))
            txqlen = parse_long_arg("--txqueuelen", v, 1, 1000000);
        else {
            usage();
            return 2;
        }
        i++;
    }
    for (int d = 0; d < NDIR; d++) {
        if (!devs[d].netns || !devs[d].name || strlen(devs[d].name) >= IFNAMSIZ || !devs[d].name[0]) {
            usage();
            emit_error(NULL, "missing or bad --client-netns/--client-dev/--server-netns/--server-dev");
            return 2;
        }
    }

    signal(SIGPIPE, SIG_IGN);
    prctl(PR_SET_TIMERSLACK, 1UL, 0, 0, 0); /* 1 ns timer slack instead of 50 us */
    prctl(PR_SET_PDEATHSIG, SIGTERM, 0, 0, 0); /* do not outlive the harness */

    if (rt_prio) {
        struct sched_param sp = {.sched_priority = (int)rt_prio};
        if (sched_setscheduler(0, SCHED_FIFO, &sp) < 0)
            diag("cannot set SCHED_FIFO %ld: %s (continuing)", rt_prio, strerror(errno));
    }

    config_defaults(&cfg);
    char err[512];
    if (config_path && config_load(&cfg, config_path, err, sizeof err)) {
        emit_error(NULL, err);
        diag("%s", err);
        return 2;
    }
    if (!cfg.seed_set) {
        cfg.seed = (now_ns() ^ ((uint64_t)getpid() << 32)) & ((1ULL << 53) - 1); /* exact in JSON numbers */
        cfg.seed_set = 1;
    }
    nat_init(&nat, cfg.seed);
    reseed();

    /* pool and per-direction arrays, allocated once */
    pool_n = (uint32_t)pool;
    slot_size = (size_t)mtu + 64;
    slot_size = (slot_size + 63) & ~(size_t)63;
    meta = calloc(pool_n, sizeof *meta);
    bufs = calloc(pool_n, slot_size);
    free_stack = calloc(pool_n, sizeof *free_stack);
    scratch = malloc(slot_size);
    if (!meta || !bufs || !free_stack || !scratch)
        fatal_json("out of memory for the packet pool");
    for (uint32_t i = 0; i < pool_n; i++)
        free_stack[i] = pool_n - 1 - i;
    n_free = pool_n;
    for (int d = 0; d < NDIR; d++) {
        dirs[d].heap = calloc(pool_n, sizeof(uint32_t));
        dirs[d].ring_finish = calloc(pool_n, sizeof(uint64_t));
        dirs[d].ring_len = calloc(pool_n, sizeof(uint32_t));
        if (!dirs[d].heap || !dirs[d].ring_finish || !dirs[d].ring_len)
            fatal_json("out of memory for the queues");
    }

    /* signals through a signalfd */
    sigset_t mask;
    sigemptyset(&mask);
    sigaddset(&mask, SIGTERM);
    sigaddset(&mask, SIGINT);
    sigaddset(&mask, SIGHUP);
    sigprocmask(SIG_BLOCK, &mask, NULL);
    int sig_fd = signalfd(-1, &mask, SFD_NONBLOCK | SFD_CLOEXEC);
    timer_fd = timerfd_create(CLOCK_MONOTONIC, TFD_NONBLOCK | TFD_CLOEXEC);
    int ep = epoll_create1(EPOLL_CLOEXEC);
    if (sig_fd < 0 || timer_fd < 0 || ep < 0)
        fatal_json("signalfd/timerfd/epoll setup failed");

    for (int d = 0; d < NDIR; d++) {
        if (open_tun(&devs[d], (int)mtu, (int)txqlen, bring_up, err, sizeof err) < 0)
            fatal_json(err);
    }
    dirs[DIR_UP].in_fd = devs[DIR_UP].fd;
    dirs[DIR_UP].out_fd = devs[DIR_DOWN].fd;
    dirs[DIR_DOWN].in_fd = devs[DIR_DOWN].fd;
    dirs[DIR_DOWN].out_fd = devs[DIR_UP].fd;

    int stdin_open = 1;
    int fl = fcntl(STDIN_FILENO, F_GETFL);
    if (fl < 0 || fcntl(STDIN_FILENO, F_SETFL, fl | O_NONBLOCK) < 0)
        stdin_open = 0;

    enum { TAG_CLIENT = 0, TAG_SERVER = 1, TAG_STDIN, TAG_TIMER, TAG_SIGNAL };
    struct epoll_event ev = {0};
    ev.events = EPOLLIN;
    /* Without any one of these the emulator would hang or drop a direction silently. */
    const struct { int fd; uint32_t tag; const char *what; } watched[] = {
        {devs[DIR_UP].fd, TAG_CLIENT, "the client device"},
        {devs[DIR_DOWN].fd, TAG_SERVER, "the server device"},
        {timer_fd, TAG_TIMER, "the timer"},
        {sig_fd, TAG_SIGNAL, "the signalfd"},
    };
    for (size_t i = 0; i < sizeof watched / sizeof watched[0]; i++) {
        ev.data.u32 = watched[i].tag;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, watched[i].fd, &ev) < 0) {
            snprintf(err, sizeof err, "epoll_ctl(ADD, %s) failed: %s", watched[i].what, strerror(errno));
            fatal_json(err);
        }
    }
    if (stdin_open) {
        ev.data.u32 = TAG_STDIN;
        if (epoll_ctl(ep, EPOLL_CTL_ADD, STDIN_FILENO, &ev) < 0)
            stdin_open = 0; /* e.g. /dev/null or a regular file: no commands */
    }

    start_ns = now_ns();
    stats_since_ns = start_ns;
    update_next_rebind();
    sb_printf(&out, "{\"event\":\"ready\",\"pid\":%d,\"seed\":%" PRIu64 ",\"mtu\":%ld,\"poolPackets\":%ld,\"commands\":%s,",
              (int)getpid(), cfg.seed, mtu, pool, stdin_open ? "true" : "false");
    for (int d = 0; d < NDIR; d++) {
        sb_printf(&out, "\"%s\":{\"netns\":", d == DIR_UP ? "client" : "server");
        sb_json_string(&out, devs[d].netns);
        sb_printf(&out, ",\"dev\":");
        sb_json_string(&out, devs[d].name);
        sb_printf(&out, ",\"ifindex\":%d},", devs[d].ifindex);
    }
    sb_printf(&out, "\"startMonotonicNs\":%" PRIu64 "}", start_ns);
    sb_emit(&out);
    diag("ready: %s/%s <-> %s/%s, seed %" PRIu64, devs[0].netns, devs[0].name, devs[1].netns, devs[1].name, cfg.seed);

    char line[4096];
    size_t line_len = 0;
    int discard_line = 0;
    const char *reason = NULL;

    while (!reason) {
        struct epoll_event evs[8];
        /* busy-poll (every fd, so arrivals are not delayed) when a departure is due within spin_ns */
        int timeout = -1;
        if (cfg.spin_ns) {
            uint64_t next = next_departure();
            if (next != UINT64_MAX && next <= now_ns() + cfg.spin_ns)
                timeout = 0;
        }
        int n = epoll_wait(ep, evs, 8, timeout);
        if (n < 0) {
            if (errno == EINTR)
                continue;
            emit_error(NULL, "epoll_wait failed");
            reason = "error";
            break;
        }
        for (int i = 0; i < n && !reason; i++) {
            switch (evs[i].data.u32) {
            case TAG_CLIENT:
                if (read_burst(DIR_UP) < 0)
                    reason = "error";
                break;
            case TAG_SERVER:
                if (read_burst(DIR_DOWN) < 0)
                    reason = "error";
                break;
            case TAG_TIMER: {
                uint64_t exp;
                while (read(timer_fd, &exp, sizeof exp) > 0) {
                }
                timer_armed_ns = UINT64_MAX; /* expired: force re-arming */
                break;
            }
            case TAG_SIGNAL: {
                struct signalfd_siginfo si;
                if (read(sig_fd, &si, sizeof si) == (ssize_t)sizeof si)
                    reason = "signal";
                break;
            }
            case TAG_STDIN: {
                for (;;) {
                    char buf[4096];
                    ssize_t r = read(STDIN_FILENO, buf, sizeof buf);
                    if (r < 0) {
                        if (errno == EINTR)
                            continue;
                        if (errno != EAGAIN && errno != EWOULDBLOCK)
                            reason = "eof";
                        break;
                    }
                    if (r == 0) {
                        reason = "eof";
                        break;
                    }
                    for (ssize_t k = 0; k < r && !reason; k++) {
                        char ch = buf[k];
                        if (ch == '\n') {
                            line[line_len] = 0;
                            if (discard_line) {
                                take_reply_id(line); /* its start is kept: the reply still names it */
                                emit_error("unknown", "command line too long");
                            } else if (handle_command(line))
                                reason = "quit";
                            reply_id = -1;
                            line_len = 0;
                            discard_line = 0;
                        } else if (line_len + 1 < sizeof line)
                            line[line_len++] = ch;
                        else
                            discard_line = 1;
                    }
                    if (reason)
                        break;
                }
                break;
            }
            }
        }
        uint64_t now = now_ns();
        run_rebinds(now);
        run_departures();
        run_sampling(now_ns());
        arm_timer();
    }

    emit_stats(NULL, reason);
    diag("exiting (%s)", reason);
    close(devs[0].fd);
    close(devs[1].fd);
    return strcmp(reason, "error") ? 0 : 1;
}
