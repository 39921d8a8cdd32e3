# Steatoscope: `make run` starts the workstation, `make test` runs every test.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift

.PHONY: run test build release bootstrap unit e2e clean

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

clean:
	rm -rf .build
