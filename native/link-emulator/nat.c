/* link-emulator: NAT rebinding (client source port / address rewriting) with incremental
 * checksum updates (RFC 1624).
 *
 * Before the first rebind nothing is touched.  Each rebind retires every current mapping;
 * the next client->server packet of a flow (family, protocol, source address, source port)
 * gets a fresh mapping: a new random port once any port rebind happened, and the current
 * rebind address once any address rebind happened.  Address rebinds cycle through the
 * configured rebind_address list of the packet's family and then back to the original
 * address.  Retired mappings still translate server->client packets back (a lenient NAT),
 * so late replies to an old port still reach the client.  Only UDP and TCP are rewritten
 * (IPv4 non-first fragments and IPv6 extension headers pass untouched).
 *
 * A reset (between samples) drops every mapping and returns to "nothing is touched", so the
 * next sample starts from the client's own address and port, as the first one did.  A flow
 * that gets a new mapping is recorded in n->remap (what the server saw before and after) for
 * the caller to report.
 */
#define _GNU_SOURCE
#include "emu.h"

#include <string.h>

struct pinfo {
    int family; /* 4 or 6 */
    uint8_t proto;
    int udp;
    size_t alen;
    uint8_t *src, *dst;
    uint8_t *sport, *dport;
    uint8_t *ip4csum; /* NULL for IPv6 */
    uint8_t *l4csum;  /* NULL when absent (IPv4 UDP with checksum 0) */
};

size_t ip_payload_offset(const uint8_t *p, size_t len)
{
    if (len < 1)
        return 0;
    if ((p[0] >> 4) == 4) {
        size_t ihl = (size_t)(p[0] & 15) * 4;
        return (len >= 20 && ihl >= 20 && ihl <= len) ? ihl : 0;
    }
    if ((p[0] >> 4) == 6)
        return len >= 40 ? 40 : 0;
    return 0;
}

static int parse(uint8_t *p, size_t len, struct pinfo *pi)
{
    size_t off = ip_payload_offset(p, len);
    if (!off)
        return -1;
    memset(pi, 0, sizeof *pi);
    if ((p[0] >> 4) == 4) {
        if ((((p[6] & 0x1f) << 8) | p[7]) != 0)
            return -1; /* non-first fragment: no L4 header */
        pi->family = 4;
        pi->proto = p[9];
        pi->src = p + 12;
        pi->dst = p + 16;
        pi->alen = 4;
        pi->ip4csum = p + 10;
    } else {
        pi->family = 6;
        pi->proto = p[6];
        pi->src = p + 8;
        pi->dst = p + 24;
        pi->alen = 16;
    }
    uint8_t *l4 = p + off;
    size_t l4len = len - off;
    if (pi->proto == 17) {
        if (l4len < 8)
            return -1;
        pi->udp = 1;
        pi->l4csum = l4 + 6;
        if (pi->family == 4 && l4[6] == 0 && l4[7] == 0)
            pi->l4csum = NULL;
    } else if (pi->proto == 6) {
        if (l4len < 18)
            return -1;
        pi->l4csum = l4 + 16;
    } else
        return -1;
    pi->sport = l4;
    pi->dport = l4 + 2;
    return 0;
}

static inline uint16_t rd16(const uint8_t *p) { return (uint16_t)((p[0] << 8) | p[1]); }
static inline void wr16(uint8_t *p, uint16_t v)
{
    p[0] = (uint8_t)(v >> 8);
    p[1] = (uint8_t)v;
}

/* RFC 1624 eqn. 3: HC' = ~(~HC + ~m + m'), over n bytes (n even). */
static void csum_replace(uint8_t *csum, const uint8_t *old, const uint8_t *new_, size_t n, int udp)
{
    uint32_t sum = (uint16_t)~rd16(csum);
    for (size_t i = 0; i < n; i += 2) {
        sum += (uint16_t)~rd16(old + i);
        sum += rd16(new_ + i);
    }
    while (sum >> 16)
        sum = (sum & 0xffff) + (sum >> 16);
    uint16_t r = (uint16_t)~sum;
    if (udp && r == 0)
        r = 0xffff; /* 0 means "no checksum" for UDP */
    wr16(csum, r);
}

/* Rewrites one endpoint (source or destination address + port) of the packet. */
static int rewrite(struct pinfo *pi, uint8_t *addr, uint8_t *port, const uint8_t *new_addr, uint16_t new_port)
{
    int changed = 0;
    if (memcmp(addr, new_addr, pi->alen)) {
        uint8_t old[16];
        memcpy(old, addr, pi->alen);
        if (pi->ip4csum)
            csum_replace(pi->ip4csum, old, new_addr, pi->alen, 0);
        if (pi->l4csum)
            csum_replace(pi->l4csum, old, new_addr, pi->alen, pi->udp);
        memcpy(addr, new_addr, pi->alen);
        changed = 1;
    }
    if (rd16(port) != new_port) {
        uint8_t old[2], np[2];
        memcpy(old, port, 2);
        wr16(np, new_port);
        if (pi->l4csum)
            csum_replace(pi->l4csum, old, np, 2, pi->udp);
        memcpy(port, np, 2);
        changed = 1;
    }
    return changed;
}

void nat_init(struct nat *n, uint64_t seed)
{
    memset(n, 0, sizeof *n);
    nat_reseed(n, seed);
}

void nat_reseed(struct nat *n, uint64_t seed) { rng_seed(&n->rng, seed, 0x4e4154); /* "NAT" stream */ }

void nat_rebind(struct nat *n, int kind)
{
    n->enabled = 1;
    if (kind == REBIND_PORT) {
        n->port_gen++;
        n->port_rebinds++;
    } else {
        n->addr_gen++;
        n->addr_rebinds++;
    }
    for (size_t i = 0; i < n->n; i++)
        n->e[i].active = 0;
}

void nat_reset(struct nat *n)
{
    n->enabled = 0;
    n->port_gen = 0;
    n->addr_gen = 0;
    n->n = 0;
    n->remap.pending = 0;
    n->resets++;
}

static int port_in_use(const struct nat *n, uint16_t port)
{
    for (size_t i = 0; i < n->n; i++)
        if (n->e[i].ext_port == port || n->e[i].orig_port == port)
            return 1;
    return 0;
}

static uint16_t alloc_port(struct nat *n, uint16_t avoid)
{
    uint16_t p = 0;
    for (int tries = 0; tries < 64; tries++) {
        p = (uint16_t)(1024 + rng_next(&n->rng) % (65536 - 1024));
        if (p != avoid && !port_in_use(n, p))
            break;
    }
    return p;
}

static void current_addr(const struct nat *n, const struct config *c, const struct pinfo *pi, uint8_t *out)
{
    memcpy(out, pi->src, pi->alen);
    if (n->addr_gen == 0)
        return;
    size_t cnt = pi->family == 4 ? c->n_rb4 : c->n_rb6;
    if (cnt == 0)
        return;
    size_t k = (size_t)((n->addr_gen - 1) % (cnt + 1));
    if (k == cnt)
        return; /* cycled back to the original */
    if (pi->family == 4)
        memcpy(out, &c->rb4[k], 4);
    else
        memcpy(out, &c->rb6[k], 16);
}

static struct nat_entry *new_entry(struct nat *n)
{
    if (n->n < NAT_ENTRIES)
        return &n->e[n->n++];
    /* evict the least recently used, preferring retired mappings */
    struct nat_entry *victim = NULL;
    for (size_t i = 0; i < n->n; i++) {
        struct nat_entry *e = &n->e[i];
        if (!victim || (e->active < victim->active) ||
            (e->active == victim->active && e->last_use < victim->last_use))
            victim = e;
    }
    return victim;
}

int nat_up(struct nat *n, const struct config *c, uint8_t *pkt, size_t len)
{
    if (!n->enabled)
        return 0;
    struct pinfo pi;
    if (parse(pkt, len, &pi))
        return 0;
    uint16_t sport = rd16(pi.sport);
    struct nat_entry *found = NULL, *previous = NULL;
    for (size_t i = 0; i < n->n; i++) {
        struct nat_entry *e = &n->e[i];
        if (e->family == pi.family && e->proto == pi.proto && e->orig_port == sport &&
            !memcmp(e->orig_addr, pi.src, pi.alen)) {
            if (e->active) {
                found = e;
                break;
            }
            if (!previous || e->last_use > previous->last_use)
                previous = e; /* the flow's latest retired mapping */
        }
    }
    if (!found) {
        /* Before this mapping the server saw the latest retired one, or the untouched source. */
        struct nat_remap *r = &n->remap;
        memset(r, 0, sizeof *r);
        r->family = (uint8_t)pi.family;
        r->proto = pi.proto;
        memcpy(r->client_addr, pi.src, pi.alen);
        r->client_port = sport;
        memcpy(r->from_addr, previous ? previous->ext_addr : pi.src, pi.alen);
        r->from_port = previous ? previous->ext_port : sport;
        uint8_t ext[16];
        current_addr(n, c, &pi, ext);
        uint16_t eport = n->port_gen ? alloc_port(n, sport) : sport;
        found = new_entry(n);
        memset(found, 0, sizeof *found);
        found->used = 1;
        found->active = 1;
        found->family = (uint8_t)pi.family;
        found->proto = pi.proto;
        found->orig_port = sport;
        found->ext_port = eport;
        memcpy(found->orig_addr, pi.src, pi.alen);
        memcpy(found->ext_addr, ext, pi.alen);
        memcpy(r->to_addr, ext, pi.alen);
        r->to_port = eport;
        r->pending = 1;
    }
    found->last_use = ++n->tick;
    return rewrite(&pi, pi.src, pi.sport, found->ext_addr, found->ext_port);
}

int nat_down(struct nat *n, uint8_t *pkt, size_t len)
{
    if (!n->enabled)
        return 0;
    struct pinfo pi;
    if (parse(pkt, len, &pi))
        return 0;
    uint16_t dport = rd16(pi.dport);
    struct nat_entry *best = NULL;
    for (size_t i = 0; i < n->n; i++) {
        struct nat_entry *e = &n->e[i];
        if (e->family == pi.family && e->proto == pi.proto && e->ext_port == dport &&
            !memcmp(e->ext_addr, pi.dst, pi.alen)) {
            if (!best || e->active > best->active || (e->active == best->active && e->last_use > best->last_use))
                best = e;
        }
    }
    if (!best)
        return 0;
    return rewrite(&pi, pi.dst, pi.dport, best->orig_addr, best->orig_port);
}
