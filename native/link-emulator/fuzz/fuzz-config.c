/* Fuzz target: the emulator's configuration parser (config_apply_line, as config_load and the
 * control channel's "set" lines feed it). The input is split into lines and applied in order
 * to a default config; after each line the config must still hold only values the emulator
 * can use (probabilities in [0, 1], bounded times, bounded counts); a refused line must say
 * why and leave the config exactly as it was (the control channel applies lines to the
 * running emulator). Any violation aborts (a finding). */
#include "../emu.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define CHECK(cond)                                                                                                    \
    do {                                                                                                               \
        if (!(cond)) {                                                                                                 \
            fprintf(stderr, "fuzz-config: invariant failed: %s\n", #cond);                                            \
            abort();                                                                                                   \
        }                                                                                                              \
    } while (0)

static int prob(double p) { return p >= 0.0 && p <= 1.0; }

static void check_config(const struct config *c)
{
    for (int d = 0; d < NDIR; d++) {
        const struct dir_params *p = &c->dir[d];
        CHECK(prob(p->loss) && prob(p->ge_p) && prob(p->ge_r) && prob(p->ge_loss_bad) && prob(p->ge_loss_good));
        CHECK(prob(p->reorder) && prob(p->duplicate) && prob(p->corrupt));
        CHECK(p->delay_ns <= 10000000000000000ULL && p->jitter_ns <= 10000000000000000ULL);
        CHECK(p->rate_bps <= 10000000000000ULL);
        CHECK(p->jitter_reorder == 0 || p->jitter_reorder == 1);
    }
    CHECK(c->n_outages <= MAX_OUTAGES && c->n_rebinds <= MAX_REBINDS);
    CHECK(c->n_rb4 <= MAX_REBIND_ADDRS && c->n_rb6 <= MAX_REBIND_ADDRS);
    CHECK(c->spin_ns <= 10000000ULL);
    for (size_t i = 0; i < c->n_outages; i++) {
        CHECK(c->outages[i].dirmask >= 1 && c->outages[i].dirmask <= DIRMASK_BOTH);
        CHECK(c->outages[i].period_ns == 0 || c->outages[i].period_ns >= c->outages[i].dur_ns);
    }
    for (size_t i = 0; i < c->n_rebinds; i++)
        CHECK(c->rebinds[i].kind == REBIND_PORT || c->rebinds[i].kind == REBIND_ADDRESS);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static struct config c, before; /* large (outage and rebind tables): not on the stack */
    config_defaults(&c);
    /* Lines as config_load reads them: at most 1023 bytes, NUL-terminated (an embedded NUL ends the line early). */
    char line[1024];
    size_t start = 0;
    while (start < size) {
        size_t end = start;
        while (end < size && data[end] != '\n' && end - start < sizeof line - 1)
            end++;
        memcpy(line, data + start, end - start);
        line[end - start] = 0;
        unsigned changed = 0;
        char err[256] = "";
        memcpy(&before, &c, sizeof c);
        if (config_apply_line(&c, line, &changed, err, sizeof err) != 0) {
            CHECK(err[0] != 0);
            CHECK(memcmp(&before, &c, sizeof c) == 0);
        }
        check_config(&c);
        start = end + 1;
    }
    return 0;
}
