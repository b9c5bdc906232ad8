# Two commands on a fresh Debian/Ubuntu machine with python3:
#   make run    set up the app, then open it
#   make test   set up the app and the test extra, then run the whole test suite
# The set-up creates .venv when it is missing and installs the CPU build of torch first, asked for
# by name (+cpu): a bare "torch" from PyPI is the Linux build that pulls several GB of CUDA
# libraries. Where pip's configured indexes lack the CPU build (plain PyPI has no +cpu wheels),
# it comes from PyTorch's own CPU index (docs/install.md shows the proof). For a GPU:
#   make run TORCH='torch==2.13.0' TORCH_INDEX=https://download.pytorch.org/whl/cu128   (any CUDA index)

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0+cpu
# Asked first from pip's configured indexes (this project's machines keep the CPU wheel on local
# disk), then from here. Set it to a CUDA index together with TORCH for a GPU build.
TORCH_INDEX ?= https://download.pytorch.org/whl/cpu
PIP = $(VENV)/bin/python -m pip
STAMP = $(VENV)/.installed
TEST_STAMP = $(VENV)/.installed-test

# Shared libraries that Qt's window system plugins need and a minimal Debian lacks.
QT_DEBS = libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
          libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 \
          libxcb-randr0 libxcb-render-util0 libxcb-image0
QT_LIBS = libEGL.so.1 libxkbcommon-x11.so.0 libfontconfig.so.1 libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1

.PHONY: run test setup test-setup system-deps benchmark clean

run: setup
	$(VENV)/bin/recognizer

test: test-setup
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest

benchmark: test-setup
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python benchmarks/run_all.py

setup: system-deps $(STAMP)

test-setup: setup $(TEST_STAMP)

system-deps:
	@missing=""; for lib in $(QT_LIBS); do ldconfig -p | grep -q "$$lib" || missing="$$missing $$lib"; done; \
	$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages for:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(QT_DEBS) python3-venv; \
	fi

# pip shows its progress (no -q): the first set-up downloads for a minute or two.
$(STAMP): pyproject.toml setup.py
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install "$(TORCH)" || { echo "$(TORCH) is not on pip's configured indexes: trying $(TORCH_INDEX)"; \
	  $(PIP) install "$(TORCH)" --extra-index-url "$(TORCH_INDEX)"; }
	$(PIP) install -e .
	@$(VENV)/bin/python -c "import torch; print('installed torch', torch.__version__, '-', \
	  f'CUDA {torch.version.cuda}' if torch.version.cuda else 'CPU only (no CUDA)')"
	@echo "The command line: $(VENV)/bin/recognizer --help  (or: source $(VENV)/bin/activate, then recognizer)"
	touch $@

$(TEST_STAMP): $(STAMP)
	$(PIP) install -e ".[test]"
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info
