# forgebot's front door: `make demo` and `make test` work on a fresh Debian 12 machine.
BUILD ?= build
BUILD_TYPE ?= Debug
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_FLAGS ?=
BENCH_BUILD ?= build-release
FUZZ_BUILD ?= build-fuzz

.PHONY: all bootstrap configure build test fuzz-smoke bench demo format clean

all: build

bootstrap:
	@./scripts/bootstrap

$(BUILD)/CMakeCache.txt: | bootstrap
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) $(CMAKE_FLAGS)

configure: bootstrap $(BUILD)/CMakeCache.txt

build: configure
	cmake --build $(BUILD) -j $(JOBS)

test: build
	ctest --test-dir $(BUILD) --output-on-failure -j $(JOBS)
	$(MAKE) fuzz-smoke

# libFuzzer targets, built with clang in $(FUZZ_BUILD), run briefly (docs/FUZZING.md).
fuzz-smoke: bootstrap
	FUZZ_BUILD=$(FUZZ_BUILD) JOBS=$(JOBS) ./scripts/fuzz-smoke

# The sidecar, start and orchestrator benchmarks, Release build in $(BENCH_BUILD)
# (docs/PERFORMANCE.md); not part of test.
bench: bootstrap
	BENCH_BUILD=$(BENCH_BUILD) JOBS=$(JOBS) ./bench/run

demo: configure
	cmake --build $(BUILD) -j $(JOBS) --target forgebot forgebot_demo
	./scripts/demo $(BUILD)

format:
	clang-format -i $$(git ls-files '*.cpp' '*.hpp')

clean:
	rm -rf $(BUILD) $(BENCH_BUILD) $(FUZZ_BUILD)
