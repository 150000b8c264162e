# atencion — GNU make build. `make help` lists targets and variables.
#
# Variables: SAN=1 (address + undefined-behaviour sanitizers), DEBUG=1 (-O0 -g), WERROR=1,
# PORTABLE=1 (no -march=native), CXX=clang++, V=1 (show each command). Each flavour builds in its
# own folder, so switching flags never mixes objects and never rebuilds another flavour's.

CXX ?= g++
ifeq ($(origin CXX),default)
  CXX := g++
endif

BUILD := build
OPT := -O2
ifeq ($(DEBUG),1)
  BUILD := build/debug
  OPT := -O0 -g
endif
# The sanitizers at -O0: compiling is 2-4x cheaper than at -O1 (measured per file) and CI
# compiles everything once more for this pass; the tests then run ~1.7x slower (~2 min). -g1
# (line tables only): reports keep file and line, and compiling takes 10-16 % less than with -g.
ifeq ($(SAN),1)
  BUILD := build/san
  OPT := -O0 -g1 -fno-omit-frame-pointer
  SANFLAGS := -fsanitize=address,undefined -fno-sanitize-recover=undefined
endif
ifeq ($(BENCH_BUILD),1)
  BUILD := build/bench
  OPT := -O3
endif
ARCH := -march=native
ifeq ($(PORTABLE),1)
  ARCH :=
  BUILD := $(BUILD)/portable
endif
ifneq ($(findstring clang,$(CXX)),)
  BUILD := $(BUILD)/clang
endif
WARN := -Wall -Wextra -Wpedantic -Wshadow
ifeq ($(WERROR),1)
  WARN += -Werror
  BUILD := $(BUILD)/werror
endif

# Quiet by default: one short line per file ("  CXX tensor/matmul.cpp"); V=1 prints the commands.
ifeq ($(V),1)
  say :=
else
  say = @printf '  %-3s %s\n' '$(1)' '$(2)';
endif
# GCC 12 at -O3 warns -Wrestrict inside std::string's own code (GCC bug 105329, a false
# positive); the warning stays on for every other build.
ifeq ($(BENCH_BUILD),1)
  ifeq ($(findstring clang,$(shell $(CXX) --version 2>/dev/null)),)
    WARN += -Wno-restrict
  endif
endif
# GCC 12.2 with AVX-512 (-march=native on this machine's CPUs) miscompiles some constant
# initializers through SLP vectorization: std::vector<float>{1, 1, 1, 1, 1, 1, 0, 0} comes out as
# eight ones at -O2 and -O3 (tests/test_toolchain.cpp checks it). Loop vectorization and the
# explicit vector code of the kernels are unaffected by this flag.
ifeq ($(findstring clang,$(shell $(CXX) --version 2>/dev/null)),)
  OPT += -fno-tree-slp-vectorize
endif

# GoogleTest: Debian's libgtest-dev needs nothing; Homebrew's lives under its prefix.
GTEST_DIRS := $(firstword $(wildcard /opt/homebrew /usr/local/opt/googletest))
ifneq ($(GTEST_DIRS),)
  GTEST_FLAGS := -I$(GTEST_DIRS)/include
  GTEST_LIBS := -L$(GTEST_DIRS)/lib
endif

# -fno-math-errno: no code here reads errno after a math function, and without the flag GCC
# keeps every sqrt scalar (a call may have to set errno), so loops like Adam's update do not
# vectorize. The results do not change: sqrt is correctly rounded, scalar or vector.
CXXFLAGS := -std=c++20 $(OPT) $(ARCH) $(WARN) $(SANFLAGS) -fno-math-errno -pthread -I. -MMD -MP $(EXTRA_CXXFLAGS)
LDFLAGS := $(SANFLAGS) -pthread $(EXTRA_LDFLAGS)
OBJ := $(BUILD)/obj

LIB_DIRS := tensor autograd nn nn/attention optim data models dynamics train viz
LIB_SRCS := $(foreach d,$(LIB_DIRS),$(wildcard $(d)/*.cpp))
LIB := $(BUILD)/libatencion.a
# lessons/common (the narrator and the lessons' longer computations) is an archive of its own that
# only the lessons and their tests link, so a test binary without them (CI's sanitizer pass) does
# not compile it.
LESSON_LIB_SRCS := $(wildcard lessons/common/*.cpp)
LESSON_LIB := $(BUILD)/liblessons.a
LESSON_SRCS := $(wildcard lessons/lesson[0-9][0-9]_*.cpp)
LESSON_IDS := $(sort $(foreach f,$(LESSON_SRCS),$(shell echo $(notdir $(f)) | cut -c1-8)))
LESSON_BINS := $(addprefix $(BUILD)/,$(LESSON_IDS))
TOOL_SRCS := $(wildcard tools/*.cpp)
TOOL_BINS := $(patsubst tools/%.cpp,$(BUILD)/%,$(TOOL_SRCS))
BENCH_SRCS := $(wildcard bench/*.cpp)
# TEST_SKIP="tests/test_lesson% tests/test_narrator.cpp" leaves those test files out of the binary (CI's sanitizer pass,
# to stay within its 20 minutes: the lesson tests run in the -O2 pass). A partial binary has its
# own name, so it never stands in for the whole one.
TEST_SKIP ?=
TEST_SRCS := $(filter-out $(TEST_SKIP),$(wildcard tests/*.cpp))
TEST_BIN := $(BUILD)/test_atencion$(if $(TEST_SKIP),_partial)

.PHONY: all test lessons bench clean help run FORCE
.DEFAULT_GOAL := all
.SECONDARY:  # keep objects that pattern rules build on the way
.SECONDEXPANSION:

all: $(LIB) $(LESSON_BINS) $(TOOL_BINS)

# Objects depend on a file holding the flags, so changing CXX or a flag rebuilds everything.
$(BUILD)/flags: FORCE
	@mkdir -p $(@D)
	@echo '$(CXX) $(CXXFLAGS) $(LDFLAGS)' | cmp -s - $@ || echo '$(CXX) $(CXXFLAGS) $(LDFLAGS)' > $@

$(OBJ)/%.o: %.cpp $(BUILD)/flags
	@mkdir -p $(@D)
	$(call say,CXX,$<)$(CXX) $(CXXFLAGS) $(if $(filter tests/%,$<),$(GTEST_FLAGS)) -c $< -o $@

# GoogleTest's headers, precompiled once per flavour with that flavour's flags (a header
# precompiled with other flags would be ignored, and the tests would only compile slower).
PCH_H := $(BUILD)/pch/gtest_pch.h
PCH := $(PCH_H).gch
$(PCH): tests/gtest_pch.h $(BUILD)/flags
	@mkdir -p $(@D)
	@cp tests/gtest_pch.h $(PCH_H)
	$(call say,PCH,$<)$(CXX) $(CXXFLAGS) $(GTEST_FLAGS) -x c++-header $(PCH_H) -o $@

$(OBJ)/tests/%.o: tests/%.cpp $(BUILD)/flags $(PCH)
	@mkdir -p $(@D)
	$(call say,CXX,$<)$(CXX) $(CXXFLAGS) $(GTEST_FLAGS) -Winvalid-pch -include $(PCH_H) -c $< -o $@

$(LIB): $(patsubst %.cpp,$(OBJ)/%.o,$(LIB_SRCS))
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

$(LESSON_LIB): $(patsubst %.cpp,$(OBJ)/%.o,$(LESSON_LIB_SRCS))
	@rm -f $@
	$(call say,AR,$@)ar rcs $@ $^

# build/lessonNN from lessons/lessonNN_<tema>.cpp: a new lesson needs no edit here.
# (subst, not patsubst: a % here would be replaced by the stem.)
$(BUILD)/lesson%: $$(addprefix $(OBJ)/,$$(subst .cpp,.o,$$(wildcard lessons/lesson$$*_*.cpp))) $(LESSON_LIB) $(LIB)
	$(call say,LD,$@)$(CXX) $^ $(LDFLAGS) -o $@

$(BUILD)/%: $(OBJ)/tools/%.o $(LIB)
	$(call say,LD,$@)$(CXX) $^ $(LDFLAGS) -o $@

$(BUILD)/bench_%: $(OBJ)/bench/%.o $(LIB)
	$(call say,LD,$@)$(CXX) $^ $(LDFLAGS) -o $@

# `make lessonNN` builds and runs lesson NN; a number with no lesson file says which lessons exist
# (instead of a linker error about a missing main). A static pattern rule over the goals only: a
# plain `lesson%` would also match files such as lessons/lesson00_x.cpp named in dependency lists.
LESSON_GOALS := $(filter-out lessons,$(filter lesson%,$(MAKECMDGOALS)))
ifneq ($(LESSON_GOALS),)
$(LESSON_GOALS): lesson%: $$(if $$(wildcard lessons/lesson$$*_*.cpp),$(BUILD)/lesson$$*) FORCE
	$(if $(wildcard lessons/lesson$*_*.cpp),,$(error no hay lección $* / no lesson $* (lessons/lesson$*_*.cpp); \
	  existen / available: $(LESSON_IDS)))
	./$(BUILD)/lesson$* $(ARGS)
endif

# `make lessons` runs every lesson in its default mode (ARGS="--quick" for the short runs CI uses),
# without pauses, and ends with each lesson's wall time: the default run must stay under 30 s.
lessons: $(LESSON_BINS)
	@set -e; times=""; for b in $(LESSON_BINS); do echo "== $$b $(ARGS)"; \
	  t0=$$(date +%s%N); ./$$b $(ARGS) </dev/null; t1=$$(date +%s%N); \
	  ds=$$(( (t1 - t0) / 100000000 )); times="$$times$$(basename $$b) $$((ds / 10)).$$((ds % 10)) s\n"; done; \
	printf '== tiempos / times (%s)\n%b' "$(if $(ARGS),$(ARGS),default mode)" "$$times"

# A tiny program that includes and links GoogleTest tells whether it is installed.
HASH := \#
GTEST_PROBE = printf '$(HASH)include <gtest/gtest.h>\nint main(){}\n' | $(CXX) -std=c++20 $(GTEST_FLAGS) -x c++ - \
  $(GTEST_LIBS) -lgtest -pthread -o /dev/null 2>/dev/null

# Test files of the lessons and of their narrator need lessons/common.
TEST_NEEDS_LESSONS := $(filter tests/test_lesson% tests/test_narrator.cpp,$(TEST_SRCS))
$(TEST_BIN): $(patsubst %.cpp,$(OBJ)/%.o,$(TEST_SRCS)) $(if $(TEST_NEEDS_LESSONS),$(LESSON_LIB)) $(LIB)
	$(call say,LD,$@)$(CXX) $^ $(LDFLAGS) $(GTEST_LIBS) -lgtest -o $@

# Your own program: `make run FILE=mi_programa.cpp ARGS="..."` compiles one .cpp file (anywhere)
# against the library with the same flags, into build/programs/, and runs it. `#include "atencion.h"`
# brings in the whole library.
ifneq ($(FILE),)
PROGRAM := $(BUILD)/programs/$(basename $(notdir $(FILE)))
$(PROGRAM): $(FILE) $(LIB) $(BUILD)/flags
	@mkdir -p $(@D)
	$(call say,CXX,$(FILE))$(CXX) $(CXXFLAGS) -MF $@.d -MT $@ $(FILE) $(LIB) $(LDFLAGS) -o $@
-include $(PROGRAM).d
endif

run:
	$(if $(FILE),,$(error make run: falta FILE / missing FILE, e.g. make run FILE=mi_programa.cpp ARGS="..."))
	$(if $(wildcard $(FILE)),,$(error make run: no existe / no such file: $(FILE)))
	@$(MAKE) --no-print-directory $(PROGRAM)
	@./$(PROGRAM) $(ARGS)

# TEST_SHARDS=N runs the suite as N processes side by side (GoogleTest's sharding), each printing
# to its own log; the logs are shown in shard order and the last line adds up their counts. A shard
# that dies before its count line counts as one failure. CI's sanitizer pass uses 2.
TEST_SHARDS ?= 1
test:
	@$(GTEST_PROBE) || { echo "GoogleTest not found: install it with 'apt-get install libgtest-dev' (Debian/Ubuntu) or 'brew install googletest' (macOS)."; exit 1; }
	@$(MAKE) --no-print-directory $(TEST_BIN)
ifeq ($(TEST_SHARDS),1)
	@GTEST_BRIEF=1 ./$(TEST_BIN) $(TEST_ARGS)
else
	@n=$(TEST_SHARDS); pids=""; i=0; while [ $$i -lt $$n ]; do \
	  GTEST_BRIEF=1 GTEST_TOTAL_SHARDS=$$n GTEST_SHARD_INDEX=$$i ./$(TEST_BIN) $(TEST_ARGS) \
	    >$(TEST_BIN).shard$$i.log 2>&1 & pids="$$pids $$!"; i=$$((i + 1)); done; \
	status=0; for p in $$pids; do wait $$p || status=1; done; \
	passed=0; failed=0; i=0; while [ $$i -lt $$n ]; do log=$(TEST_BIN).shard$$i.log; \
	  last=$$(tail -n 1 $$log); \
	  if printf '%s\n' "$$last" | grep -Eq '^[0-9]+ passed, [0-9]+ failed$$'; then \
	    sed '$$d' $$log; set -- $$last; passed=$$((passed + $$1)); failed=$$((failed + $$3)); \
	  else cat $$log; echo "shard $$i of $$n ended without its count line"; failed=$$((failed + 1)); status=1; fi; \
	  i=$$((i + 1)); done; \
	echo "$$passed passed, $$failed failed"; exit $$status
endif

bench:
	@$(MAKE) --no-print-directory BENCH_BUILD=1 run-bench

run-bench: $(patsubst bench/%.cpp,$(BUILD)/bench_%,$(BENCH_SRCS))
	@set -e; for b in $^; do ./$$b $(ARGS); done

clean:
	rm -rf build out

help:
	@echo "Targets:"
	@echo "  make              build build/libatencion.a, every lesson and tool"
	@echo "  make test         build and run the GoogleTest suite (ends with 'N passed, M failed')"
	@echo "  make lessonNN     build and run lesson NN, e.g. make lesson00 ARGS=\"--step --lang en\""
	@echo "  make lessons      run every lesson (default mode; ARGS=--quick for short runs) and time each"
	@echo "  make run FILE=f.cpp ARGS=\"...\"  build your own program against the library and run it"
	@echo "  make bench        build with -O3 and run the benchmarks"
	@echo "  make clean        remove build/ and out/"
	@echo "Variables:"
	@echo "  SAN=1 sanitizers (ASan+UBSan)   DEBUG=1 -O0 -g   WERROR=1 warnings are errors"
	@echo "  PORTABLE=1 no -march=native     CXX=clang++      ARGS=\"...\" passed to a lesson or benchmark"
	@echo "  TEST_ARGS=\"--gtest_filter=Tape*\" passed to the test binary;  ATN_THREADS=N worker threads"
	@echo "  TEST_SKIP=\"tests/test_lesson%\" leave those test files out (a separate, partial binary)"
	@echo "  TEST_SHARDS=2 run the tests as 2 processes side by side, one summed count line"
	@echo "  V=1 show every compiler command;  -j2 (or -j\$$(nproc)) builds on several cores"

FORCE:

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
