/* link-emulator: the queue's time series, a bounded ring of samples (see emu.h).  Filled from
 * the emulator's own loop while a recording runs; when full, the oldest sample gives way and
 * is counted, so a long recording keeps its latest part and says how much it lost. */
#include "emu.h"

#include <stdlib.h>
#include <string.h>

int series_start(struct series *s, uint64_t interval_ns, uint64_t capacity)
{
    if (!capacity || capacity > SERIES_MAX_SAMPLES || !interval_ns)
        return -1;
    if (capacity != s->capacity) {
        struct series_sample *p = realloc(s->samples, (size_t)capacity * sizeof *p);
        if (!p)
            return -1;
        s->samples = p;
        s->capacity = capacity;
    }
    s->interval_ns = interval_ns;
    s->total = 0;
    s->missed_ticks = 0;
    s->recording = 1;
    return 0;
}

struct series_sample *series_push(struct series *s)
{
    struct series_sample *slot = &s->samples[s->total % s->capacity];
    s->total++;
    memset(slot, 0, sizeof *slot);
    return slot;
}

uint64_t series_first(const struct series *s)
{
    return s->total > s->capacity ? s->total - s->capacity : 0;
}

const struct series_sample *series_at(const struct series *s, uint64_t index)
{
    if (index < series_first(s) || index >= s->total)
        return NULL;
    return &s->samples[index % s->capacity];
}
