# Steatoscope: `make run` starts the workstation, `make test` runs every test.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift

.PHONY: run test build release bootstrap unit e2e install clean fuzz sanitize

bootstrap:
	@scripts/bootstrap

release: bootstrap
	$(SWIFT) build -c release --product steato

# Bootstrap, release build, then steato on the default database.
run: release
	.build/release/steato

build: bootstrap
	$(SWIFT) build --build-tests

unit: build
	$(SWIFT) test --skip-build

e2e: build
	STEATO=$(CURDIR)/.build/debug/steato Tests/e2e/run.sh

# Bootstrap, build, every unit test, then every end-to-end test against the real binary.
test: build
	$(SWIFT) test --skip-build
	STEATO=$(CURDIR)/.build/debug/steato Tests/e2e/run.sh

# The unit tests under AddressSanitizer (+ UndefinedBehaviorSanitizer in the C and C++ code: swiftc has no
# -sanitize=undefined on Linux), then the tests of everything that runs on background threads (the
# workstation's scoring, import and polling, the listener, the study pipeline) under ThreadSanitizer.
# Any report fails the run (Swift's own backtracer is off: under ASan it hangs on an abort). `.ci/run` calls it after `make test`.
SAN_ENV = SWIFT_BACKTRACE=enable=no ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/sanitizers/lsan.supp \
	UBSAN_OPTIONS=halt_on_error=1:print_stacktrace=1 TSAN_OPTIONS=halt_on_error=1:suppressions=$(CURDIR)/Tests/sanitizers/tsan.supp
THREADED_TESTS = WorkstationTests|ReceivedInstancesTests|thePipelineScoresLikeOneStudyAtATime|ImportTests|BlockedSplitTests|MaintenanceTests|ScoringTests
sanitize: bootstrap
	$(SWIFT) build --build-tests --build-path .build-asan --sanitize=address -Xcc -fsanitize=undefined -Xcxx -fsanitize=undefined
	$(SAN_ENV) $(SWIFT) test --skip-build --build-path .build-asan
	$(SAN_ENV) STEATO=$(CURDIR)/.build-asan/debug/steato bash Tests/e2e/test_fuzz_regressions.sh
	$(SWIFT) build --build-tests --build-path .build-tsan --sanitize=thread
	$(SAN_ENV) $(SWIFT) test --skip-build --build-path .build-tsan --filter '$(THREADED_TESTS)'

# Installs steato under PREFIX (default /usr/local): the binary, its shared files (model, themes,
# SampleStudies) in share/steatoscope, the man page and bash / zsh / fish completions.
# CONFIG=debug installs the debug build (the end-to-end test does, to skip a release build).
PREFIX ?= /usr/local
CONFIG ?= release
SHARE = $(PREFIX)/share/steatoscope
install: bootstrap
	$(SWIFT) build -c $(CONFIG) --product steato
	$(SWIFT) package plugin generate-manual --configuration $(CONFIG) >/dev/null
	install -d $(PREFIX)/bin $(SHARE) $(PREFIX)/share/man/man1 $(PREFIX)/share/bash-completion/completions \
		$(PREFIX)/share/zsh/site-functions $(PREFIX)/share/fish/vendor_completions.d
	install -m 755 "$$($(SWIFT) build -c $(CONFIG) --show-bin-path)/steato" $(PREFIX)/bin/steato
	rm -rf $(SHARE)/Models $(SHARE)/Themes $(SHARE)/SampleStudies
	cp -R Models Themes SampleStudies $(SHARE)/
	install -m 644 .build/plugins/GenerateManual/outputs/steato/steato.1 $(PREFIX)/share/man/man1/steato.1
	$(PREFIX)/bin/steato --generate-completion-script bash > $(PREFIX)/share/bash-completion/completions/steato
	$(PREFIX)/bin/steato --generate-completion-script zsh > $(PREFIX)/share/zsh/site-functions/_steato
	$(PREFIX)/bin/steato --generate-completion-script fish > $(PREFIX)/share/fish/vendor_completions.d/steato.fish
	@echo "installed $$($(PREFIX)/bin/steato --version) in $(PREFIX)"

clean:
	rm -rf .build

# Coverage-guided fuzzing (libFuzzer + AddressSanitizer) of one input kind:
#   make fuzz TARGET=jpeg|png|dicom|image|manifest|report|safetensors|theme|pdu RUNS=1000000 [LEAKS=1 for pdu]
# The corpus grows in .build-fuzz/corpus/TARGET from the committed seeds; a crash or hang is written to
# .build-fuzz/artifacts/ (keep it as a regression file in Tests/Fixtures/fuzz/regressions/TARGET/).
TARGET ?= jpeg
RUNS ?= 100000
FUZZ_FLAGS = -Xswiftc -sanitize=fuzzer,address -Xswiftc -DFUZZING -Xcc -fsanitize=fuzzer-no-link,address -Xcxx -fsanitize=fuzzer-no-link,address
# pdu: DCMTK 3.6.7 leaks 32-byte list heads when it refuses a malformed association request (see
# docs/RELIABILITY.md). lsan.supp names that frame, but only the slow unwinder sees it inside libdcmnet,
# which runs the fuzzer ~40x slower; so the long run checks growth with -rss_limit_mb (and no leak check at exit), and LEAKS=1
# runs leak detection with the slow unwinder.
FUZZ_ENV_pdu = $(if $(LEAKS),ASAN_OPTIONS=fast_unwind_on_malloc=0,ASAN_OPTIONS=detect_leaks=0)
FUZZ_LEAKS_pdu = $(if $(LEAKS),,-detect_leaks=0)
fuzz: bootstrap
	$(SWIFT) build -c release --product steato-fuzz --build-path .build-fuzz $(FUZZ_FLAGS)
	mkdir -p .build-fuzz/corpus/$(TARGET) .build-fuzz/artifacts
	STEATO_FUZZ_TARGET=$(TARGET) $(FUZZ_ENV_$(TARGET)) LSAN_OPTIONS=suppressions=$(CURDIR)/Tests/sanitizers/lsan.supp .build-fuzz/release/steato-fuzz -runs=$(RUNS) -timeout=10 -rss_limit_mb=4096 -max_len=65536 $(FUZZ_LEAKS_$(TARGET)) \
		-print_final_stats=1 -artifact_prefix=.build-fuzz/artifacts/$(TARGET)- .build-fuzz/corpus/$(TARGET) Tests/Fixtures/fuzz/seeds/$(TARGET)
