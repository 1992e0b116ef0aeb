/* Fuzz target: the CSV reader (price index, 容积率, mineral and reserve tables are user files,
 * often made by Excel), from memory: the input is the table's bytes. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/text.h"
#include "io/io.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    char *raw = malloc(size + 1);
    if (!raw) return 0;
    if (size) memcpy(raw, data, size);
    raw[size] = 0;
    zr_csv t;
    char err[256];
    if (zr_csv_parse("fuzz.csv", raw, size, &t, err, sizeof err) == ZR_OK) {
        if (t.ncols == 0) abort(); /* a table has a header */
        /* every cell is addressable, terminated and valid UTF-8 */
        for (size_t r = 0; r < t.nrows; r++)
            for (size_t c = 0; c < t.ncols; c++) {
                const char *cell = zr_csv_cell(&t, r, (int)c);
                if (!zr_utf8_valid((const unsigned char *)cell, strlen(cell))) abort();
            }
        (void)zr_csv_col(&t, "TDYT|土地用途");
        zr_csv_free(&t);
    } else if (!err[0]) {
        abort(); /* a refusal names its reason */
    }
    return 0;
}
