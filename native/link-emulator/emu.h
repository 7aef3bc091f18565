/* link-emulator: shared types.  See link-emulator.c for the overview. */
#ifndef LINK_EMULATOR_EMU_H
#define LINK_EMULATOR_EMU_H

#include <netinet/in.h>
#include <stddef.h>
#include <stdint.h>

enum { DIR_UP = 0, DIR_DOWN = 1, NDIR = 2 };
#define DIRMASK_UP 1u
#define DIRMASK_DOWN 2u
#define DIRMASK_BOTH 3u

#define MAX_OUTAGES 256
#define MAX_REBINDS 256
#define MAX_REBIND_ADDRS 8

/* ---- PRNG: xoshiro256**, seeded through splitmix64 ---- */
typedef struct {
    uint64_t s[4];
} rng_t;
void rng_seed(rng_t *r, uint64_t seed, uint64_t stream);
uint64_t rng_next(rng_t *r);
double rng_unit(rng_t *r); /* uniform in [0, 1) */

/* ---- configuration ---- */
struct dir_params {
    uint64_t delay_ns;
    uint64_t jitter_ns;
    int jitter_reorder;   /* 0: jitter never reorders (a packet never leaves before the previous one) */
    double loss;          /* independent random loss probability */
    double ge_p;          /* Gilbert-Elliott: P(good -> bad) per packet; 0 disables the model */
    double ge_r;          /* P(bad -> good) per packet */
    double ge_loss_bad;   /* loss probability in the bad state (default 1) */
    double ge_loss_good;  /* loss probability in the good state (default 0) */
    uint64_t ge_max_burst; /* 0: unlimited; else at most N consecutive burst losses */
    double reorder;       /* probability that a packet skips the delay (sent ahead) */
    double duplicate;
    double corrupt;
    uint64_t rate_bps;    /* 0 = unlimited */
    uint64_t queue_packets; /* 0 = no packet limit (only with rate_bps) */
    uint64_t queue_bytes;   /* 0 = no byte limit (only with rate_bps) */
};

enum rebind_kind { REBIND_PORT = 0, REBIND_ADDRESS = 1 };

struct outage {
    uint64_t start_ns;  /* relative to the emulator's start (ready line) */
    uint64_t dur_ns;
    uint64_t period_ns; /* 0: once */
    uint64_t count;     /* with a period: number of repetitions, 0 = forever */
    unsigned dirmask;
};

struct rebind_ev {
    uint64_t at_ns; /* relative to start */
    int kind;
    int done;
};

struct config {
    struct dir_params dir[NDIR];
    uint64_t seed;
    int seed_set;
    struct outage outages[MAX_OUTAGES];
    size_t n_outages;
    struct rebind_ev rebinds[MAX_REBINDS];
    size_t n_rebinds;
    struct in_addr rb4[MAX_REBIND_ADDRS];
    size_t n_rb4;
    struct in6_addr rb6[MAX_REBIND_ADDRS];
    size_t n_rb6;
    uint64_t spin_ns; /* busy-poll this long before a deadline (0 = off) */
};

/* What a config_apply call changed, so the caller can react. */
enum {
    CHANGED_SEED = 1,
    CHANGED_REBINDS = 2,
    CHANGED_OUTAGES = 4,
};

void config_defaults(struct config *c);
/* Applies one key=value. Returns 0, or -1 with a message in err. *changed gets CHANGED_* bits. */
int config_apply_line(struct config *c, const char *line, unsigned *changed, char *err, size_t errlen);
int config_load(struct config *c, const char *path, char *err, size_t errlen);

/* ---- NAT rebinding ---- */
#define NAT_ENTRIES 512
struct nat_entry {
    uint8_t used, active, family, proto;
    uint16_t orig_port, ext_port;
    uint8_t orig_addr[16];
    uint8_t ext_addr[16];
    uint64_t last_use;
};
/* A flow given a new mapping after a rebind: what the server saw of it before, and from now on. */
struct nat_remap {
    int pending; /* set by nat_up, cleared by the caller once reported */
    uint8_t family, proto;
    uint8_t client_addr[16], from_addr[16], to_addr[16];
    uint16_t client_port, from_port, to_port;
};
struct nat {
    int enabled;        /* set by the first rebind (since the last reset); before it the path is untouched */
    uint64_t port_gen;  /* port rebinds since the last reset: they drive the mappings */
    uint64_t addr_gen;  /* address rebinds since the last reset */
    uint64_t port_rebinds, addr_rebinds; /* totals over the emulator's life (reported) */
    uint64_t resets;
    uint64_t tick;
    struct nat_remap remap;
    rng_t rng;
    size_t n;
    struct nat_entry e[NAT_ENTRIES];
};
void nat_init(struct nat *n, uint64_t seed);
void nat_reseed(struct nat *n, uint64_t seed);
void nat_rebind(struct nat *n, int kind);
/* Undoes every rebind: all mappings are dropped and the path is untouched again, as at start. */
void nat_reset(struct nat *n);
/* Rewrite a client->server packet in place; returns 1 if it was changed. */
int nat_up(struct nat *n, const struct config *c, uint8_t *pkt, size_t len);
/* Reverse the mapping on a server->client packet; returns 1 if it was changed. */
int nat_down(struct nat *n, uint8_t *pkt, size_t len);

/* ---- the queue's time series (series.c) ---- */
#define SERIES_MAX_SAMPLES 1000000ULL
/* One direction at one instant: the serialization queue, and drops since the recording began. */
struct series_point {
    uint64_t queue_packets, queue_bytes;
    uint64_t drop_queue, drop_loss, drop_burst, drop_outage;
};
struct series_sample {
    uint64_t at_ns; /* CLOCK_MONOTONIC */
    struct series_point dir[NDIR];
};
struct series {
    int recording;
    uint64_t interval_ns;
    uint64_t capacity;     /* samples kept at most; older ones are overwritten */
    uint64_t total;        /* samples taken since the recording began (kept or not) */
    uint64_t missed_ticks; /* ticks the loop woke too late for (no sample for them) */
    uint64_t next_ns;      /* absolute time of the next sample while recording */
    struct series_sample *samples;
};
/* Begins a new recording (the previous samples are discarded). Returns -1 on bad limits or no memory. */
int series_start(struct series *s, uint64_t interval_ns, uint64_t capacity);
/* The slot for the next sample (zeroed), overwriting the oldest when full. */
struct series_sample *series_push(struct series *s);
/* Index of the oldest sample kept; samples are numbered from 0 at the recording's start. */
uint64_t series_first(const struct series *s);
/* The sample with this index, or NULL when it was overwritten or not taken yet. */
const struct series_sample *series_at(const struct series *s, uint64_t index);

/* Returns the offset of the first byte after the IP header, or 0 if not IPv4/IPv6. */
size_t ip_payload_offset(const uint8_t *pkt, size_t len);

#endif
