/* Fuzz target: the rule-catalogue parser (a --rules file is user input). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include "qc/qc_int.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
    qc_catalogue cat;
    memset(&cat, 0, sizeof cat);
    char err[512];
    if (qc_catalogue_parse((const char *)data, size, &cat, err, sizeof err) == ZR_OK) {
        for (int i = 0; i < R_COUNT; i++)
            if (cat.rules[i].severity && (cat.rules[i].severity < 1 || cat.rules[i].severity > 3))
                abort(); /* the parser let a bad severity through */
    }
    return 0;
}
