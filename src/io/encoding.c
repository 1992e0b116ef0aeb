/* The text encoding of a shapefile's DBF (Chinese shapefiles come in UTF-8 and GBK). */
#include "core/alloc.h"
#include "io/io.h"
#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "core/buf.h"
#include "core/text.h"

/* path with its extension replaced by each spelling of ext; first that opens. */
static FILE *open_sibling(const char *shp, const char *ext_lower, const char *ext_upper) {
    char p[1100];
    size_t n = strlen(shp);
    const char *dot = strrchr(shp, '.');
    size_t base = dot && !strchr(dot, '/') ? (size_t)(dot - shp) : n;
    if (base > 1000) return NULL;
    const char *exts[2] = {ext_lower, ext_upper};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%.*s%s", (int)base, shp, exts[i]);
        FILE *f = fopen(p, "rb");
        if (f) return f;
    }
    return NULL;
}

/* Map a .cpg text to an iconv name; NULL when not recognised. */
static const char *cpg_name(const char *t) {
    char s[64];
    size_t j = 0;
    for (; *t && j + 1 < sizeof s; t++)
        if (!isspace((unsigned char)*t)) s[j++] = (char)toupper((unsigned char)*t);
    s[j] = 0;
    if (!strcmp(s, "UTF-8") || !strcmp(s, "UTF8") || !strcmp(s, "65001")) return "UTF-8";
    if (!strcmp(s, "GBK") || !strcmp(s, "CP936") || !strcmp(s, "936") || !strcmp(s, "GB2312") ||
        !strcmp(s, "ANSI936") || !strcmp(s, "GB18030") || !strcmp(s, "54936") ||
        !strcmp(s, "EUC-CN"))
        return "GB18030"; /* a superset of GBK and GB2312 */
    if (!strcmp(s, "BIG5") || !strcmp(s, "950")) return "BIG5";
    if (!strcmp(s, "ISO-8859-1") || !strcmp(s, "88591") || !strcmp(s, "LATIN1"))
        return "ISO-8859-1";
    if (!strcmp(s, "1252") || !strcmp(s, "CP1252")) return "CP1252";
    return NULL;
}

zr_status zr_shp_encoding(const char *shp_path, char *enc, size_t n) {
    FILE *f = open_sibling(shp_path, ".cpg", ".CPG");
    if (f) {
        char t[64] = {0};
        size_t got = fread(t, 1, sizeof t - 1, f);
        fclose(f);
        t[got] = 0;
        const char *name = cpg_name(t);
        if (name) {
            snprintf(enc, n, "%s", name);
            return ZR_OK;
        }
    }
    f = open_sibling(shp_path, ".dbf", ".DBF");
    if (!f) return ZR_ERR_IO;
    unsigned char hdr[32];
    if (fread(hdr, 1, 32, f) != 32) {
        fclose(f);
        return ZR_ERR_IO;
    }
    /* DBF language driver id (byte 29): 0x4D and 0x7A are code page 936 (GBK) */
    if (hdr[29] == 0x4D || hdr[29] == 0x7A) {
        fclose(f);
        snprintf(enc, n, "GB18030");
        return ZR_OK;
    }
    /* neither: UTF-8 when every record is valid UTF-8, else GBK */
    const size_t header_len = (size_t)hdr[8] | (size_t)hdr[9] << 8;
    zr_status s = ZR_OK;
    if (fseek(f, (long)header_len, SEEK_SET) == 0) {
        static const size_t cap = 1 << 16;
        unsigned char *chunk = zr_malloc(cap + 4);
        if (!chunk) {
            fclose(f);
            return ZR_ERR_NOMEM;
        }
        size_t carry = 0, got;
        int valid = 1;
        while (valid && (got = fread(chunk + carry, 1, cap, f)) > 0) {
            size_t len = carry + got, cut = len;
            /* hold back a multibyte sequence cut by the chunk end */
            for (size_t k = 1; k <= 3 && k <= len; k++) {
                unsigned char c = chunk[len - k];
                if ((c & 0xC0) == 0x80) continue;
                size_t need = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
                if (need > k) cut = len - k;
                break;
            }
            valid = zr_utf8_valid(chunk, cut);
            carry = len - cut;
            memmove(chunk, chunk + cut, carry);
        }
        if (valid && carry) valid = zr_utf8_valid(chunk, carry);
        free(chunk);
        if (ferror(f)) /* a read error is not "every byte was valid UTF-8" */
            s = ZR_ERR_IO;
        else
            snprintf(enc, n, "%s", valid ? "UTF-8" : "GB18030");
    } else {
        s = ZR_ERR_IO;
    }
    fclose(f);
    return s;
}
