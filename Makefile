# Steatoscope: `make run` starts the workstation, `make test` runs every test.
SHELL := /bin/bash
export PATH := /opt/swift/usr/bin:$(PATH)
SWIFT ?= swift

.PHONY: run test build release bootstrap unit e2e install clean

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
