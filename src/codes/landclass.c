/* 三调工作分类 (TD/T 1055-2019 表A.2 with the K/A codes of STANDARDS §1.3), 三大类 (表A.4),
 * 权属性质 (§1.4) and 城镇村属性码 (§1.5). */
#include "codes/codes.h"
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

#define A ZR_SDL_AGRI
#define B ZR_SDL_BUILT
#define U ZR_SDL_UNUSED
static const zr_dlbm dlbm_table[] = {
    {"0303", "红树林地", A},
    {"0304", "森林沼泽", A},
    {"0306", "灌丛沼泽", A},
    {"0402", "沼泽草地", A},
    {"0603", "盐田", B},
    {"1105", "沿海滩涂", U},
    {"1106", "内陆滩涂", U},
    {"1108", "沼泽地", U},
    {"0101", "水田", A},
    {"0102", "水浇地", A},
    {"0103", "旱地", A},
    {"0201", "果园", A},
    {"0201K", "可调整果园", A},
    {"0202", "茶园", A},
    {"0202K", "可调整茶园", A},
    {"0203", "橡胶园", A},
    {"0203K", "可调整橡胶园", A},
    {"0204", "其他园地", A},
    {"0204K", "可调整其他园地", A},
    {"0301", "乔木林地", A},
    {"0301K", "可调整乔木林地", A},
    {"0302", "竹林地", A},
    {"0302K", "可调整竹林地", A},
    {"0305", "灌木林地", A},
    {"0307", "其他林地", A},
    {"0307K", "可调整其他林地", A},
    {"0401", "天然牧草地", A},
    {"0403", "人工牧草地", A},
    {"0403K", "可调整人工牧草地", A},
    {"0404", "其他草地", U},
    {"05H1", "商业服务业设施用地", B},
    {"0508", "物流仓储用地", B},
    {"0601", "工业用地", B},
    {"0602", "采矿用地", B},
    {"0701", "城镇住宅用地", B},
    {"0702", "农村宅基地", B},
    {"08H1", "机关团体新闻出版用地", B},
    {"08H2", "科教文卫用地", B},
    {"08H2A", "高教用地", B},
    {"0809", "公用设施用地", B},
    {"0810", "公园与绿地", B},
    {"0810A", "广场用地", B},
    {"09", "特殊用地", B},
    {"1001", "铁路用地", B},
    {"1002", "轨道交通用地", B},
    {"1003", "公路用地", B},
    {"1004", "城镇村道路用地", B},
    {"1005", "交通服务场站用地", B},
    {"1006", "农村道路", A},
    {"1007", "机场用地", B},
    {"1008", "港口码头用地", B},
    {"1009", "管道运输用地", B},
    {"1101", "河流水面", U},
    {"1102", "湖泊水面", U},
    {"1103", "水库水面", A},
    {"1104", "坑塘水面", A},
    {"1104A", "养殖坑塘", A},
    {"1104K", "可调整养殖坑塘", A},
    {"1107", "沟渠", A},
    {"1107A", "干渠", A},
    {"1109", "水工建筑用地", B},
    {"1110", "冰川及永久积雪", U},
    {"1201", "空闲地", B},
    {"1202", "设施农用地", A},
    {"1203", "田坎", A},
    {"1204", "盐碱地", U},
    {"1205", "沙地", U},
    {"1206", "裸土地", U},
    {"1207", "裸岩石砾地", U},
};
#undef A
#undef B
#undef U

enum { N_DLBM = sizeof dlbm_table / sizeof dlbm_table[0] };
static const zr_dlbm *by_code[N_DLBM]; /* the table sorted by code, for bsearch */
static pthread_once_t by_code_once = PTHREAD_ONCE_INIT;

static int cmp_entry(const void *a, const void *b) {
    return strcmp((*(const zr_dlbm *const *)a)->code, (*(const zr_dlbm *const *)b)->code);
}

static void sort_codes(void) {
    for (size_t i = 0; i < N_DLBM; i++)
        by_code[i] = &dlbm_table[i];
    qsort(by_code, N_DLBM, sizeof *by_code, cmp_entry);
}

static int cmp_key(const void *key, const void *e) {
    return strcmp(key, (*(const zr_dlbm *const *)e)->code);
}

const zr_dlbm *zr_dlbm_find(const char *code) {
    if (!code) return NULL;
    pthread_once(&by_code_once, sort_codes);
    const zr_dlbm *const *hit = bsearch(code, by_code, N_DLBM, sizeof *by_code, cmp_key);
    return hit ? *hit : NULL;
}

const zr_dlbm *zr_dlbm_all(size_t *n) {
    *n = sizeof dlbm_table / sizeof dlbm_table[0];
    return dlbm_table;
}

int zr_dlbm_is_wetland(const char *code) {
    static const char *const wet[] = {"0303", "0304", "0306", "0402",
                                      "0603", "1105", "1106", "1108"};
    if (!code) return 0;
    for (size_t i = 0; i < 8; i++)
        if (!strcmp(code, wet[i])) return 1;
    return 0;
}

void zr_dlbm_tdyt(const char *code, char *out) {
    if (zr_dlbm_is_wetland(code)) {
        strcpy(out, "00");
    } else if (code && code[0] && code[1]) {
        out[0] = code[0], out[1] = code[1], out[2] = 0;
    } else {
        out[0] = 0;
    }
}

const char *zr_sdl_name(zr_sdl s) {
    static const char *const names[] = {"", "农用地", "建设用地", "未利用地"};
    return (unsigned)s < 4 ? names[s] : "";
}

const char *zr_qsxz_name(const char *code) {
    static const char *const t[][2] = {{"10", "国有土地所有权"},       {"20", "国有土地使用权"},
                                       {"30", "集体土地所有权"},       {"31", "村民小组"},
                                       {"32", "村级集体经济组织"},     {"33", "乡级集体经济组织"},
                                       {"34", "其他农民集体经济组织"}, {"40", "集体土地使用权"}};
    for (size_t i = 0; code && i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(code, t[i][0])) return t[i][1];
    return NULL;
}

int zr_qsxz_is_state(const char *code) {
    return code && (!strcmp(code, "10") || !strcmp(code, "20"));
}

const char *zr_czcsxm_name(const char *code) {
    static const char *const t[][2] = {{"201", "城市"},           {"201A", "城市独立工业用地"},
                                       {"202", "建制镇"},         {"202A", "建制镇独立工业用地"},
                                       {"203", "村庄"},           {"203A", "村庄独立工业用地"},
                                       {"204", "盐田及采矿用地"}, {"205", "特殊用地"}};
    for (size_t i = 0; code && i < sizeof t / sizeof t[0]; i++)
        if (!strcmp(code, t[i][0])) return t[i][1];
    return NULL;
}
