# Two commands on a fresh Debian/Ubuntu machine with python3:
#   make run    set everything up, then open the app
#   make test   set everything up, then run the whole test suite
# The set-up creates .venv when it is missing and installs the CPU build of torch first, because a
# bare "torch" requirement with no torch installed pulls a CUDA build of several GB. For a GPU:
#   make run TORCH='torch==2.13.0' TORCH_INDEX=   (or any CUDA index URL via TORCH_INDEX)

PYTHON ?= python3
VENV ?= .venv
TORCH ?= torch==2.13.0
# Where the CPU build comes from; empty means pip's configured indexes (this project's machines
# keep the CPU wheel on local disk). Elsewhere, set it to PyTorch's CPU wheel index.
TORCH_INDEX ?=
PIP = $(VENV)/bin/python -m pip
STAMP = $(VENV)/.installed

# Shared libraries that Qt's window system plugins need and a minimal Debian lacks.
QT_DEBS = libegl1 libgl1 libxkbcommon0 libxkbcommon-x11-0 libfontconfig1 libdbus-1-3 \
          libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1 libxcb-shape0 libxcb-xinerama0 \
          libxcb-randr0 libxcb-render-util0 libxcb-image0
QT_LIBS = libEGL.so.1 libxkbcommon-x11.so.0 libfontconfig.so.1 libxcb-cursor.so.0 libxcb-icccm.so.4 libxcb-keysyms.so.1

.PHONY: run test setup system-deps benchmark clean

run: setup
	$(VENV)/bin/recognizer

test: setup
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python -m pytest

benchmark: setup
	QT_QPA_PLATFORM=offscreen $(VENV)/bin/python benchmarks/run_all.py

setup: system-deps $(STAMP)

system-deps:
	@missing=""; for lib in $(QT_LIBS); do ldconfig -p | grep -q "$$lib" || missing="$$missing $$lib"; done; \
	$(PYTHON) -c "import venv, ensurepip" 2>/dev/null || missing="$$missing python3-venv"; \
	if [ -n "$$missing" ]; then \
	  echo "installing system packages for:$$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $(QT_DEBS) python3-venv; \
	fi

$(STAMP): pyproject.toml
	test -x $(VENV)/bin/python || $(PYTHON) -m venv $(VENV)
	$(PIP) install -q "$(TORCH)" $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX))
	$(PIP) install -q -e ".[test]"
	touch $@

clean:
	rm -rf $(VENV) build *.egg-info
