/* SHA-256 (FIPS 180-4), for input hashes in reports and, later, the register's journal. */
#ifndef ZR_CORE_SHA256_H
#define ZR_CORE_SHA256_H
#include <stddef.h>
#include <stdint.h>
#include "zrzy.h"

typedef struct zr_sha256 {
    uint32_t h[8];
    uint64_t len;
    unsigned char buf[64];
    size_t fill;
} zr_sha256;

void zr_sha256_init(zr_sha256 *c);
void zr_sha256_update(zr_sha256 *c, const void *data, size_t n);
/* Finish into 65 bytes of lowercase hex. */
void zr_sha256_hex(zr_sha256 *c, char hex[65]);
/* Hash a whole file, read with pread (never mapped: a file overwritten while it is read cannot
 * fault). ZR_ERR_IO when it cannot be read or changed (size, mtime) while it was read. Makes
 * no allocation (a 64 KiB buffer on the stack). hex is written only on success. */
zr_status zr_sha256_file(const char *path, char hex[65]);
/* Tests: 1 forces the portable code instead of the x86 SHA extensions, 0 lets the CPU decide. */
void zr_sha256_portable(int on);
#endif
