/* Code tables of the 三调 standard (STANDARDS §1) and the layer schemas zrzy stores. */
#ifndef ZR_CODES_H
#define ZR_CODES_H
#include <stddef.h>
#include "core/feature.h"

/* ---- DLTB / XZQ schemas (STANDARDS §1.2) ---- */
enum {
    ZR_DLTB_BSM,
    ZR_DLTB_YSDM,
    ZR_DLTB_TBYBH,
    ZR_DLTB_TBBH,
    ZR_DLTB_DLBM,
    ZR_DLTB_DLMC,
    ZR_DLTB_QSXZ,
    ZR_DLTB_QSDWDM,
    ZR_DLTB_QSDWMC,
    ZR_DLTB_ZLDWDM,
    ZR_DLTB_ZLDWMC,
    ZR_DLTB_TBMJ,
    ZR_DLTB_KCDLBM,
    ZR_DLTB_KCXS,
    ZR_DLTB_KCMJ,
    ZR_DLTB_TBDLMJ,
    ZR_DLTB_GDLX,
    ZR_DLTB_GDPDJB,
    ZR_DLTB_XZDWKD,
    ZR_DLTB_TBXHDM,
    ZR_DLTB_TBXHMC,
    ZR_DLTB_ZZSXDM,
    ZR_DLTB_ZZSXMC,
    ZR_DLTB_GDDB,
    ZR_DLTB_FRDBS,
    ZR_DLTB_CZCSXM,
    ZR_DLTB_SJNF,
    ZR_DLTB_MSSM,
    ZR_DLTB_HDMC,
    ZR_DLTB_BZ,
    ZR_DLTB_NFIELDS
};
enum {
    ZR_XZQ_BSM,
    ZR_XZQ_YSDM,
    ZR_XZQ_XZQDM,
    ZR_XZQ_XZQMC,
    ZR_XZQ_DCMJ,
    ZR_XZQ_JSMJ,
    ZR_XZQ_MSSM,
    ZR_XZQ_HDMC,
    ZR_XZQ_BZ,
    ZR_XZQ_NFIELDS
};

extern const zr_field_def zr_dltb_fields[ZR_DLTB_NFIELDS];
extern const zr_field_def zr_xzq_fields[ZR_XZQ_NFIELDS];
#define ZR_YSDM_DLTB "2001010100"
#define ZR_YSDM_XZQ  "1000600100"

/* ---- 地类 DLBM (三调工作分类 with K/A codes) ---- */
typedef enum zr_sdl {
    ZR_SDL_NONE = 0,
    ZR_SDL_AGRI = 1,
    ZR_SDL_BUILT = 2,
    ZR_SDL_UNUSED = 3
} zr_sdl;

typedef struct zr_dlbm {
    const char *code;
    const char *name;
    zr_sdl sdl; /* 三大类 (TD/T 1055 表A.4) */
} zr_dlbm;

/* Look up a code; NULL when it is not in the work classification. */
const zr_dlbm *zr_dlbm_find(const char *code);
/* Every code, in table order; *n receives the count. */
const zr_dlbm *zr_dlbm_all(size_t *n);
/* 1 for the 湿地 codes (0303 0304 0306 0402 0603 1105 1106 1108). */
int zr_dlbm_is_wetland(const char *code);
/* TDYT of a code: its first two characters, "00" for wetland codes. out ≥ 3 bytes. */
void zr_dlbm_tdyt(const char *code, char *out);
const char *zr_sdl_name(zr_sdl s);

/* ---- 权属性质, 城镇村属性码 ---- */
const char *zr_qsxz_name(const char *code); /* NULL when unknown */
int zr_qsxz_is_state(const char *code);     /* 国有: 10 or 20 */
const char *zr_czcsxm_name(const char *code);
#endif
