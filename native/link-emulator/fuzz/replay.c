/* Runs a fuzz target over files (the corpus) without libFuzzer, so a gcc ASan/UBSan build can
 * replay it: `replay FILE...` calls LLVMFuzzerTestOneInput once per file. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int main(int argc, char **argv)
{
    for (int i = 1; i < argc; i++) {
        FILE *f = fopen(argv[i], "rb");
        if (!f) {
            perror(argv[i]);
            return 2;
        }
        /* An exact-size heap copy, as libFuzzer gives: ASan sees a read past the input. */
        if (fseek(f, 0, SEEK_END) != 0) return 2;
        long size = ftell(f);
        rewind(f);
        uint8_t *buf = malloc(size > 0 ? (size_t)size : 1);
        if (size < 0 || !buf || fread(buf, 1, (size_t)size, f) != (size_t)size) {
            fprintf(stderr, "%s: cannot read\n", argv[i]);
            return 2;
        }
        fclose(f);
        LLVMFuzzerTestOneInput(buf, (size_t)size);
        free(buf);
    }
    printf("replayed %d inputs\n", argc - 1);
    return 0;
}
