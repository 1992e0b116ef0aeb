/* Field lists of the stored layers (STANDARDS §1.2; lengths follow the PostGIS DDL). */
#include "codes/codes.h"

const zr_field_def zr_dltb_fields[ZR_DLTB_NFIELDS] = {
    [ZR_DLTB_BSM] = {"BSM", ZR_FT_TEXT, 18, 0},
    [ZR_DLTB_YSDM] = {"YSDM", ZR_FT_TEXT, 10, 0},
    [ZR_DLTB_TBYBH] = {"TBYBH", ZR_FT_TEXT, 18, 0},
    [ZR_DLTB_TBBH] = {"TBBH", ZR_FT_TEXT, 8, 0},
    [ZR_DLTB_DLBM] = {"DLBM", ZR_FT_TEXT, 5, 0},
    [ZR_DLTB_DLMC] = {"DLMC", ZR_FT_TEXT, 60, 0},
    [ZR_DLTB_QSXZ] = {"QSXZ", ZR_FT_TEXT, 2, 0},
    [ZR_DLTB_QSDWDM] = {"QSDWDM", ZR_FT_TEXT, 19, 0},
    [ZR_DLTB_QSDWMC] = {"QSDWMC", ZR_FT_TEXT, 255, 0},
    [ZR_DLTB_ZLDWDM] = {"ZLDWDM", ZR_FT_TEXT, 19, 0},
    [ZR_DLTB_ZLDWMC] = {"ZLDWMC", ZR_FT_TEXT, 255, 0},
    [ZR_DLTB_TBMJ] = {"TBMJ", ZR_FT_REAL, 18, 2},
    [ZR_DLTB_KCDLBM] = {"KCDLBM", ZR_FT_TEXT, 5, 0},
    [ZR_DLTB_KCXS] = {"KCXS", ZR_FT_REAL, 6, 4},
    [ZR_DLTB_KCMJ] = {"KCMJ", ZR_FT_REAL, 18, 2},
    [ZR_DLTB_TBDLMJ] = {"TBDLMJ", ZR_FT_REAL, 18, 2},
    [ZR_DLTB_GDLX] = {"GDLX", ZR_FT_TEXT, 2, 0},
    [ZR_DLTB_GDPDJB] = {"GDPDJB", ZR_FT_TEXT, 2, 0},
    [ZR_DLTB_XZDWKD] = {"XZDWKD", ZR_FT_REAL, 5, 1},
    [ZR_DLTB_TBXHDM] = {"TBXHDM", ZR_FT_TEXT, 6, 0},
    [ZR_DLTB_TBXHMC] = {"TBXHMC", ZR_FT_TEXT, 20, 0},
    [ZR_DLTB_ZZSXDM] = {"ZZSXDM", ZR_FT_TEXT, 6, 0},
    [ZR_DLTB_ZZSXMC] = {"ZZSXMC", ZR_FT_TEXT, 20, 0},
    [ZR_DLTB_GDDB] = {"GDDB", ZR_FT_INT, 2, 0},
    [ZR_DLTB_FRDBS] = {"FRDBS", ZR_FT_TEXT, 1, 0},
    [ZR_DLTB_CZCSXM] = {"CZCSXM", ZR_FT_TEXT, 4, 0},
    [ZR_DLTB_SJNF] = {"SJNF", ZR_FT_INT, 4, 0},
    [ZR_DLTB_MSSM] = {"MSSM", ZR_FT_TEXT, 2, 0},
    [ZR_DLTB_HDMC] = {"HDMC", ZR_FT_TEXT, 100, 0},
    [ZR_DLTB_BZ] = {"BZ", ZR_FT_TEXT, 255, 0},
};

const zr_field_def zr_xzq_fields[ZR_XZQ_NFIELDS] = {
    [ZR_XZQ_BSM] = {"BSM", ZR_FT_TEXT, 18, 0},     [ZR_XZQ_YSDM] = {"YSDM", ZR_FT_TEXT, 10, 0},
    [ZR_XZQ_XZQDM] = {"XZQDM", ZR_FT_TEXT, 12, 0}, [ZR_XZQ_XZQMC] = {"XZQMC", ZR_FT_TEXT, 100, 0},
    [ZR_XZQ_DCMJ] = {"DCMJ", ZR_FT_REAL, 18, 2},   [ZR_XZQ_JSMJ] = {"JSMJ", ZR_FT_REAL, 18, 2},
    [ZR_XZQ_MSSM] = {"MSSM", ZR_FT_TEXT, 2, 0},    [ZR_XZQ_HDMC] = {"HDMC", ZR_FT_TEXT, 100, 0},
    [ZR_XZQ_BZ] = {"BZ", ZR_FT_TEXT, 255, 0},
};
