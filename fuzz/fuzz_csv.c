/* Fuzz target: the CSV reader (price index, 容积率, mineral and reserve tables are user files,
 * often made by Excel). The input is written to a file and read back as a table. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char path[64];
    snprintf(path, sizeof path, "/tmp/zrzy-fuzz-csv-%d.csv", (int)getpid());
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    zr_csv t;
    char err[256];
    if (zr_csv_read(path, &t, err, sizeof err) == ZR_OK) {
        /* every cell is addressable and terminated */
        size_t total = 0;
        for (size_t r = 0; r < t.nrows; r++)
            for (size_t c = 0; c < t.ncols; c++)
                total += strlen(zr_csv_cell(&t, r, (int)c));
        (void)total;
        if (t.ncols == 0) abort();
        zr_csv_free(&t);
    }
    unlink(path);
    return 0;
}
