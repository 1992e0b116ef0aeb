# zrzy — the two set-up commands are `make demo` and `make test`; both install what is missing.
BUILD      ?= build
ASAN_BUILD ?= build-asan
JOBS       ?= 2
DEMO_DIR   ?= demo
DEMO_PARCELS ?= 100000

.PHONY: all setup build demo test test-release test-valgrind test-asan test-tsan test-clang test-fuzz format format-check bench clean

all: build

setup:
	@sh scripts/setup.sh

$(BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(BUILD) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null

build: setup $(BUILD)/build.ninja
	cmake --build $(BUILD) -j $(JOBS)

$(ASAN_BUILD)/build.ninja: CMakeLists.txt
	cmake -S . -B $(ASAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DZR_SANITIZE=address,undefined >/dev/null

demo: build
	@sh scripts/demo.sh $(BUILD)/zrzy $(DEMO_DIR) $(DEMO_PARCELS)

CLANG_BUILD ?= build-clang
TSAN_BUILD  ?= build-tsan
TSAN_TESTS  = test_check test_inventory test_import test_engines

# Every test: format and header boundaries, the release suite, valgrind on the core units,
# the ASan+UBSan suite (with the allocation-failure sweep), the threaded engines under
# ThreadSanitizer, a -Werror build with clang, and every fuzz target for FUZZ_SECONDS.
test: build test-release test-valgrind test-asan test-tsan test-clang test-fuzz
	@echo "make test: all suites passed"

test-valgrind: build
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/test_core
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/fuzz_geometry_replay fuzz/corpus/geometry
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/fuzz_rules_replay fuzz/corpus/rules
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/fuzz_csv_replay fuzz/corpus/csv
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/fuzz_numbers_replay fuzz/corpus/numbers
	valgrind -q --error-exitcode=1 --leak-check=full --errors-for-leak-kinds=definite $(BUILD)/fuzz_gpkg_replay fuzz/corpus/gpkg

$(CLANG_BUILD)/build.ninja: CMakeLists.txt
	CC=clang cmake -S . -B $(CLANG_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release >/dev/null

test-clang: setup $(CLANG_BUILD)/build.ninja
	cmake --build $(CLANG_BUILD) -j $(JOBS)

$(TSAN_BUILD)/build.ninja: CMakeLists.txt
	CC=clang cmake -S . -B $(TSAN_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug -DZR_SANITIZE=thread >/dev/null

# the engines that run threads (import pipeline, check stream and tiles, inventory batches);
# tests/tsan.supp names only third-party libraries
test-tsan: setup $(TSAN_BUILD)/build.ninja
	cmake --build $(TSAN_BUILD) -j $(JOBS) --target $(TSAN_TESTS)
	for t in $(TSAN_TESTS); do \
	    ZRZY_TMP=$(CURDIR)/$(TSAN_BUILD)/testtmp TSAN_OPTIONS="halt_on_error=1 suppressions=$(CURDIR)/tests/tsan.supp" \
	    $(TSAN_BUILD)/$$t || exit 1; done

FUZZ_BUILD   ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS = fuzz_csv fuzz_geometry fuzz_rules fuzz_numbers fuzz_crs fuzz_gpkg

$(FUZZ_BUILD)/build.ninja: CMakeLists.txt
	CC=clang cmake -S . -B $(FUZZ_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Debug \
	    -DZR_SANITIZE=address,undefined -DZR_BUILD_FUZZERS=ON >/dev/null

# libFuzzer (clang) under ASan+UBSan: each target FUZZ_SECONDS from its seed corpus; new inputs go
# to a scratch corpus in the build folder, a crash to $(FUZZ_BUILD)/artifacts/ (replay it with
# the target's _replay binary and put it in fuzz/corpus/NAME/ once fixed).
test-fuzz: setup $(FUZZ_BUILD)/build.ninja
	cmake --build $(FUZZ_BUILD) -j $(JOBS) --target $(FUZZ_TARGETS)
	rm -rf $(FUZZ_BUILD)/artifacts && mkdir -p $(FUZZ_BUILD)/artifacts
	for t in $(FUZZ_TARGETS); do \
	    c=$${t#fuzz_}; mkdir -p $(FUZZ_BUILD)/corpus/$$c; \
	    ASAN_OPTIONS=detect_leaks=1 LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	    $(FUZZ_BUILD)/$$t -max_total_time=$(FUZZ_SECONDS) -timeout=20 -rss_limit_mb=2048 \
	        -print_final_stats=1 -artifact_prefix=$(FUZZ_BUILD)/artifacts/$$c- \
	        $(FUZZ_BUILD)/corpus/$$c fuzz/corpus/$$c >$(FUZZ_BUILD)/$$t.log 2>&1 \
	    || { tail -60 $(FUZZ_BUILD)/$$t.log; echo "test-fuzz: $$t failed"; exit 1; }; \
	    echo "$$t: $$(grep -E 'stat::(number_of_executed_units|average_exec_per_sec)' \
	        $(FUZZ_BUILD)/$$t.log | tr -s ' \n' ' ')"; \
	done; echo "test-fuzz: every target ran $(FUZZ_SECONDS) s without a finding"

test-release: build
	sh scripts/check-boundaries.sh
	sh scripts/format.sh check
	cd $(BUILD) && ctest -j $(JOBS) --output-on-failure

test-asan: setup $(ASAN_BUILD)/build.ninja
	cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 \
	    LSAN_OPTIONS=suppressions=$(CURDIR)/tests/lsan.supp \
	    UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 ctest -j $(JOBS) --output-on-failure

bench: build
	sh bench/run.sh $(BUILD)

format:
	sh scripts/format.sh

format-check:
	sh scripts/format.sh check

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(CLANG_BUILD) $(FUZZ_BUILD)
