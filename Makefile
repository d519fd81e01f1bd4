# Two commands set everything up on a fresh machine with Python 3.11:
#   make run    create .venv, install the app and the offline models, start the window
#   make test   the same set-up plus dev tools, then the whole test suite (offscreen)
# Re-running is quick: the install step only repeats when pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
# torch comes with sentence-transformers. Pin the CPU build first, so pip does not pull a
# multi-GB CUDA build. Laptop users on Linux: make run TORCH_INDEX=https://download.pytorch.org/whl/cpu
TORCH_SPEC ?= torch==2.13.0
TORCH_INDEX ?=
TORCH_INDEX_ARG := $(if $(TORCH_INDEX),--index-url $(TORCH_INDEX),)
# llama-cpp-python compiles llama.cpp. Not for "this CPU" (GGML_NATIVE): a build tuned to the machine
# runs only on CPUs like it (a packaged app would crash on older laptops), and on CPUs that report
# Intel AMX to a VM that cannot use it, the AMX kernels crash (SIGSEGV in ggml_backend_amx_mul_mat, seen
# here). On x86-64: AVX2/FMA/F16C, what every x86-64 laptop of the last decade runs. GPU builds:
# make run LLAMA_CMAKE_ARGS="-DGGML_CUDA=on" (see README). Elsewhere llama.cpp's own defaults.
LLAMA_CMAKE_ARGS ?= $(if $(filter x86_64 amd64 AMD64,$(shell uname -m)),-DGGML_NATIVE=OFF -DGGML_AVX=ON -DGGML_AVX2=ON -DGGML_FMA=ON -DGGML_F16C=ON -DGGML_BMI2=ON,)

.PHONY: run test lint bench clean screenshot package package-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

$(VENV)/.installed-app: pyproject.toml | $(BIN)/python
	$(BIN)/pip install $(TORCH_INDEX_ARG) "$(TORCH_SPEC)"
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -e ".[models]"
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed-app
	CMAKE_ARGS="$(LLAMA_CMAKE_ARGS)" $(BIN)/pip install -e ".[models,dev]"
	touch $@

run: $(VENV)/.installed-app
	$(BIN)/desktop-rag

test: $(VENV)/.installed-dev
	QT_QPA_PLATFORM=offscreen $(BIN)/python -m pytest

lint: $(VENV)/.installed-dev
	$(BIN)/ruff check desktop_rag tests benchmarks

bench: $(VENV)/.installed-dev
	$(BIN)/python -m benchmarks.retrieval_quality
	$(BIN)/python -m benchmarks.indexing_throughput
	$(BIN)/python -m benchmarks.search_latency
	$(BIN)/python -m benchmarks.rescan

clean:
	rm -rf $(VENV) build dist

# The README screenshots (resources/screenshots/): the real window, light and dark, English and Korean:
# empty state, indexing, an answer with sources, the viewer on a PDF. Under Xvfb when it is
# installed (apt install xvfb; Korean needs a Hangul font, e.g. fonts-noto-cjk), else offscreen.
SHOT_RUN := $(if $(shell command -v xvfb-run),xvfb-run -a -s "-screen 0 1400x900x24" env QT_QPA_PLATFORM=xcb,env QT_QPA_PLATFORM=offscreen)
screenshot: $(VENV)/.installed-dev
	for theme in light dark; do for lang in en ko; do \
		$(SHOT_RUN) $(BIN)/python scripts/screenshot.py --theme $$theme --language $$lang || exit 1; \
	done; done

# The packaged app (PyInstaller, one folder): dist/desktop-rag/ with desktop-rag (window) and
# desktop-rag-cli, the embedding model inside. Build on the OS you ship for; see README "Packaging".
# make package PACKAGE_ARGS=--archive also packs it into dist/desktop-rag-<os>-<machine>.tar.gz (.zip).
package: $(VENV)/.installed-dev
	$(BIN)/python packaging/build.py $(PACKAGE_ARGS)

# Smoke test of the built app: index, search, ask, open the window; offline.
package-test: $(VENV)/.installed-dev
	$(BIN)/python -m pytest tests/test_packaged_app.py -v
