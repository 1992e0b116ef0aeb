/* In-house test macros: CHECK carries on, REQUIRE jumps to cleanup:, and the binary ends with
 * the plain "N passed, N failed" line. */
#ifndef ZR_TEST_H
#define ZR_TEST_H
#include <inttypes.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern int zr_test_passed, zr_test_failed;
extern const char *zr_test_name;

#define ZR_TEST_RECORD_(ok, ...)                                              \
    do {                                                                      \
        if (ok) {                                                             \
            zr_test_passed++;                                                 \
        } else {                                                              \
            zr_test_failed++;                                                 \
            fprintf(stderr, "%s:%d: %s: ", __FILE__, __LINE__, zr_test_name); \
            fprintf(stderr, __VA_ARGS__);                                     \
            fputc('\n', stderr);                                              \
        }                                                                     \
    } while (0)

#define CHECK(cond) ZR_TEST_RECORD_((cond), "CHECK(%s) failed", #cond)

#define CHECK_EQ_INT(a, b)                                                                         \
    do {                                                                                           \
        int64_t a_ = (int64_t)(a), b_ = (int64_t)(b);                                              \
        ZR_TEST_RECORD_(a_ == b_, "%s == %s failed (%" PRId64 " vs %" PRId64 ")", #a, #b, a_, b_); \
    } while (0)

#define CHECK_NEAR(a, b, tol)                                                                    \
    do {                                                                                         \
        double a_ = (a), b_ = (b);                                                               \
        ZR_TEST_RECORD_(fabs(a_ - b_) <= (tol), "|%s - %s| <= %g failed (%.6f vs %.6f)", #a, #b, \
                        (double)(tol), a_, b_);                                                  \
    } while (0)

#define CHECK_STR(a, b)                                                                           \
    do {                                                                                          \
        const char *a_ = (a), *b_ = (b);                                                          \
        ZR_TEST_RECORD_(a_ &&b_ && !strcmp(a_, b_), "%s == %s failed (\"%s\" vs \"%s\")", #a, #b, \
                        a_ ? a_ : "(null)", b_ ? b_ : "(null)");                                  \
    } while (0)

#define REQUIRE(cond)                                      \
    do {                                                   \
        int ok_ = !!(cond); /* evaluate exactly once */    \
        ZR_TEST_RECORD_(ok_, "REQUIRE(%s) failed", #cond); \
        if (!ok_) goto cleanup;                            \
    } while (0)

#define TEST(name) static void name(void)
#define RUN(name)  (zr_test_name = #name, name())

#define TEST_MAIN(...)                                                    \
    int zr_test_passed, zr_test_failed;                                   \
    const char *zr_test_name;                                             \
    int main(void) {                                                      \
        __VA_ARGS__;                                                      \
        printf("%d passed, %d failed\n", zr_test_passed, zr_test_failed); \
        fflush(stdout);                                                   \
        return zr_test_failed != 0;                                       \
    }
#endif
