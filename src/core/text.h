/* Text encodings: UTF-8 validation and GBK → UTF-8 (glibc iconv). */
#ifndef ZR_CORE_TEXT_H
#define ZR_CORE_TEXT_H
#include <stddef.h>
#include "core/buf.h"

/* 1 when s[0..n) is well-formed UTF-8. */
int zr_utf8_valid(const unsigned char *s, size_t n);

typedef struct zr_recoder zr_recoder;
/* A converter from `from` (an iconv name such as "GB18030") to UTF-8. */
zr_status zr_recoder_open(const char *from, zr_recoder **out);
/* Convert in[0..n) into out (reset first, terminated). ZR_ERR_ARG on an invalid sequence. */
zr_status zr_recode(zr_recoder *r, const char *in, size_t n, zr_buf *out);
void zr_recoder_close(zr_recoder *r);
#endif
