/* Fuzz target: the emulator's packet parsing and rewriting (nat.c): ip_payload_offset and the
 * NAT rebinding that rewrites client->server packets and maps server->client packets back,
 * with incremental checksum updates. The first input byte picks the rebinds made before the
 * packet goes through (bit 0: port, bit 1: address, bit 2: reset after); the rest is the packet,
 * sent up and then, with its addresses as they are, down. Reads and writes must stay inside
 * the packet (ASan), with no undefined behaviour (UBSan). Checksums are not verified here. */
#include "../emu.h"

#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static struct nat nat; /* large (mapping table): not on the stack */
static struct config cfg;
static int ready;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (!ready) {
        config_defaults(&cfg);
        inet_pton(AF_INET, "198.18.0.5", &cfg.rb4[cfg.n_rb4++]);
        inet_pton(AF_INET6, "2001:2::5", &cfg.rb6[cfg.n_rb6++]);
        nat_init(&nat, 1);
        ready = 1;
    }
    if (size < 1)
        return 0;
    uint8_t ops = data[0];
    size_t len = size - 1;
    /* An exact-size heap copy, so ASan sees any byte read or written past the packet. */
    uint8_t *pkt = malloc(len ? len : 1);
    if (!pkt)
        return 0;
    memcpy(pkt, data + 1, len);
    size_t off = ip_payload_offset(pkt, len);
    if (off > len)
        abort();
    if (ops & 1)
        nat_rebind(&nat, REBIND_PORT);
    if (ops & 2)
        nat_rebind(&nat, REBIND_ADDRESS);
    nat_up(&nat, &cfg, pkt, len);
    nat_down(&nat, pkt, len);
    if (ops & 4)
        nat_reset(&nat);
    free(pkt);
    return 0;
}
