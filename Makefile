# The two commands of the README: `make demo` and `make test`. Each installs what is missing,
# configures and builds (Release, C++20), then runs. `make bench` is the long, noisy part, not CI.
BUILD ?= build
JOBS ?= $(shell nproc)
# ccache (installed by the deps script) makes a rebuild after a branch switch or a clean cheap.
LAUNCHER := $(if $(shell command -v ccache),-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_C_COMPILER_LAUNCHER=ccache)

.PHONY: deps build demo test test-busy fuzz sanitize bench bench-compare format clean

deps:
	./docker/install-deps.sh

build: deps
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release $(LAUNCHER)
	cmake --build $(BUILD) -j $(JOBS)

demo: build
	./$(BUILD)/reprise demo

test: build
	cd $(BUILD) && ctest --output-on-failure -j 2

# The suite RUNS times in a row (default 5) with one core kept busy: what "holds on a busy
# machine" means, checked.
RUNS ?= 5
test-busy: build
	./tests/busy.sh $(BUILD) $(RUNS)

# make fuzz [FUZZ_SECONDS=60] [FUZZ_TARGETS="request har"]: the libFuzzer harnesses of tests/fuzz,
# built with clang, ASan and UBSan in a build folder of their own, each run for FUZZ_SECONDS; fails
# on any crash, leak, timeout or sanitizer report. CI runs a short pass (README, "Fuzzing").
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
FUZZ_TARGETS ?=
fuzz: deps
	cmake -S . -B $(FUZZ_BUILD) -DREPRISE_FUZZ=ON -DCMAKE_BUILD_TYPE=Fuzz -DCMAKE_C_COMPILER=clang \
	  -DCMAKE_CXX_COMPILER=clang++ $(LAUNCHER)
	cmake --build $(FUZZ_BUILD) -j $(JOBS)
	./tests/fuzz/run.sh $(FUZZ_BUILD) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

# make sanitize: the whole suite of `make test` again, against a build with AddressSanitizer (with
# its leak checker) and UndefinedBehaviorSanitizer in $(SANITIZE_BUILD)/. tests/sanitize.sh sends
# every report to a file and fails when one was written, whether or not a test noticed.
SANITIZE_BUILD ?= build-sanitize
# A build type of its own ("Sanitize": no flags but these, and no -DNDEBUG, so asserts stay on):
# -O1 for a bearable slowdown, -g1 for file:line in every stack (full -g made the build a fifth
# slower, 2026-12-05).
SANITIZERS := -O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
sanitize: deps
	cmake -S . -B $(SANITIZE_BUILD) -DCMAKE_BUILD_TYPE=Sanitize $(LAUNCHER) \
	  -DCMAKE_C_FLAGS="$(SANITIZERS)" -DCMAKE_CXX_FLAGS="$(SANITIZERS)"
	cmake --build $(SANITIZE_BUILD) -j $(JOBS)
	./tests/sanitize.sh $(SANITIZE_BUILD)

bench: build
	./tests/bench/run.sh $(BUILD)/reprise
	./tests/bench/pcap_import.sh $(BUILD)/reprise
	./tests/bench/replay.sh $(BUILD)/reprise
	./tests/bench/seed_scenarios.sh $(BUILD)/reprise
	./tests/bench/fault_timing.py $(BUILD)/reprise
	./tests/bench/soak.sh $(BUILD)/reprise

# make bench-compare BEFORE=path/to/reprise|commit: bench's proxy (against haproxy), idle-faults and
# replayer (against wrk) parts with BEFORE's binary and this build's, in the same run; prints a
# markdown table (also in bench-compare.md). A commit is built in a temporary worktree first.
ifneq ($(filter bench-compare,$(MAKECMDGOALS)),)
ifeq ($(BEFORE),)
$(error usage: make bench-compare BEFORE=path/to/reprise|commit)
endif
endif
bench-compare: build
	./tests/bench/compare.sh "$(BEFORE)" $(BUILD)/reprise

format:
	clang-format -i $$(find src tests -name '*.cpp' -o -name '*.hpp')

clean:
	rm -rf $(BUILD) $(FUZZ_BUILD) $(SANITIZE_BUILD)
