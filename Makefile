# The single entry point for people and CI. Every target but `install` uses .venv.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(VENV)/bin/pip
# Lambda functions run on Graviton (arm64), Python 3.12: wheels for that platform feed the deps layer.
LAMBDA_PLATFORM ?= manylinux2014_aarch64
WHEELHOUSE := .build/lambda-wheels/$(LAMBDA_PLATFORM)
# The export layer (pyarrow >= 14) only has manylinux_2_28 wheels; its wheels share the wheelhouse.
EXPORT_PLATFORM := $(subst manylinux2014,manylinux_2_28,$(LAMBDA_PLATFORM))
CDK_CLI := .build/cdk/node_modules/.bin/cdk
CDK_OUTDIR ?= cdk.out
# Extra CDK CLI arguments, e.g. CDK_ARGS='-c api_auth=api_secret -c connect_instance_arn=arn:aws:connect:...'
CDK_ARGS ?=
export JSII_SILENCE_WARNING_END_OF_LIFE_NODE_VERSION := $(shell node --version 2>/dev/null | sed -E 's/^v([0-9]+).*/\1/')
export JSII_SILENCE_WARNING_UNTESTED_NODE_VERSION := 1

.PHONY: help install openapi test test-any-date synth lint format deploy diff clean demo bench bench-speech bench-kvs bench-gateway bench-delivery bench-e2e bench-export speech-data bench-speech-sweep cost bench-languages bench-vocabulary bench-interim

help:
	@echo "make demo      install, then run a two-party call through the whole pipeline locally (DEMO_ARGS='--speed 2')"
	@echo "make install   create .venv, install pinned packages, Lambda wheels (deps + export layers) and the CDK CLI (aws-cdk@2)"
	@echo "make synth     synthesize the CloudFormation template offline (no Docker, no AWS credentials)"
	@echo "make test      run the test suite (unit, integration with moto, infrastructure)"
	@echo "make test-any-date  the date-sensitive tests under a shifted clock: +400 days, and just before a UTC midnight"
	@echo "make lint      ruff + mypy"
	@echo "make deploy    cdk deploy into the account of your current AWS credentials"
	@echo "make bench     run the benchmarks (bench-kvs, bench-gateway, bench-delivery, bench-e2e, bench-export, bench-speech,"
	@echo "              bench-interim, bench-languages, bench-vocabulary)"
	@echo "make cost      cost per 1,000 call-minutes, on demand and Spot, beside Amazon Transcribe (COST_ARGS='--measure 4')"

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt requirements-dev.txt requirements-speech.txt layers/deps/requirements.txt \
		layers/export/requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PIP) install -q --upgrade pip
	$(PIP) install -q -r requirements-dev.txt
	$(PIP) install -q --no-deps -e .
	$(PIP) download -q -r layers/deps/requirements.txt -d $(WHEELHOUSE) --platform $(LAMBDA_PLATFORM) \
		--only-binary=:all: --python-version 3.12 --implementation cp
	$(PIP) download -q -r layers/export/requirements.txt -d $(WHEELHOUSE) --platform $(LAMBDA_PLATFORM) \
		--platform $(EXPORT_PLATFORM) --only-binary=:all: --python-version 3.12 --implementation cp
	npm install --silent --no-audit --no-fund --prefix .build/cdk aws-cdk@2
	touch $@

# Regenerate docs/openapi.json from the models (tests/unit/api/test_openapi.py fails while it is stale).
openapi: install
	$(PY) -m connect_transcribe.cli openapi > docs/openapi.json

synth: install
	CDK_OUTDIR=$(CDK_OUTDIR) $(PY) app.py
	@ls $(CDK_OUTDIR)/*.template.json

test: install
	$(PY) -m pytest

# Tests that involve dates, hours, retention, schedules, TTLs, certificates or tokens: every unit and integration
# test except those that only stream audio through the speech engine in real time, the benchmark tooling's, and
# local mode's process and poller tests (no date in them; a minute a run), plus the end-to-end pipeline (it exports
# the call by date). They run under Debian's libfaketime twice: 400 days ahead in UTC-11, and from
# 2 minutes before the next UTC midnight (the run crosses it) in UTC+14, so neither the date, the hour nor the
# machine's time zone can decide an outcome. The monotonic clock stays real: see tests/faketime/sitecustomize.py.
CLOCK_TESTS := tests/unit tests/integration tests/e2e/test_pipeline.py --ignore=tests/integration/gateway \
	--ignore=tests/integration/speech --ignore=tests/integration/media --ignore=tests/integration/bench \
	--ignore=tests/unit/bench --ignore=tests/integration/dev/test_demo.py \
	--ignore=tests/integration/dev/test_sqs_poller.py --ignore=tests/integration/dev/test_stack.py \
	--ignore=tests/integration/dev/test_local_up.py --ignore=tests/integration/dev/test_openapi_fuzz.py
# Offsets (not '@' start times, which libfaketime restarts in every child process) keep one wall clock across the
# processes a test starts.
SHIFTED := PYTHONPATH=$(CURDIR)/tests/faketime FAKETIME_DONT_FAKE_MONOTONIC=1 faketime -f

test-any-date: install
	@command -v faketime >/dev/null || { echo "faketime is required: apt-get install faketime"; exit 1; }
	TZ=Pacific/Pago_Pago $(SHIFTED) +400d $(PY) -m pytest -q $(CLOCK_TESTS)
	to_midnight=$$(( $$(date -u -d 'tomorrow 00:00' +%s) - $$(date -u +%s) - 120 )); \
		TZ=Pacific/Kiritimati $(SHIFTED) +$${to_midnight}s $(PY) -m pytest -q $(CLOCK_TESTS)

lint: install
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: install
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Test calls for the speech benchmark (deterministic per tool version): dev and test spoken by flite, festival, Piper
# and SVOX pico voices, robustness by espeak-ng, through varied phone lines (GSM needs sox). About 3 minutes on 2 cores.
SPEECH_DATA := .build/speech-data
SPEECH_PROGRAMS := flite text2wave pico2wave sox espeak-ng
FESTVOX_VOICES := english/kal_diphone english/ked_diphone us/cmu_us_slt_arctic_hts english/rab_diphone english/don_diphone
define SPEECH_TOOLS_HELP
The speech test calls need these Debian packages. festvox-rablpc16k and festvox-don are in Debian's contrib
section and libttspico-utils in non-free; on bookworm, enable both beside main (as root), then install:

  uri=$$(awk '/^URIs:/ {print $$2; exit}' /etc/apt/sources.list.d/debian.sources)
  printf 'Types: deb\nURIs: %s\nSuites: bookworm\nComponents: contrib non-free\nSigned-By: %s\n' \
    "$$uri" /usr/share/keyrings/debian-archive-keyring.gpg > /etc/apt/sources.list.d/contrib-non-free.sources
  apt-get update
  apt-get install -y flite festival festvox-kallpc16k festvox-kdlpc16k festvox-us-slt-hts festvox-rablpc16k \
    festvox-don libttspico-utils sox libsox-fmt-all espeak-ng
endef
export SPEECH_TOOLS_HELP
$(SPEECH_DATA)/manifest.json: $(wildcard bench/speech/*.py) requirements-bench.txt
	@missing=""; \
	for program in $(SPEECH_PROGRAMS); do command -v $$program >/dev/null || missing="$$missing $$program"; done; \
	for voice in $(FESTVOX_VOICES); do [ -d /usr/share/festival/voices/$$voice ] || missing="$$missing $${voice#*/}"; done; \
	if [ -n "$$missing" ]; then echo "Not installed:$$missing"; echo; echo "$$SPEECH_TOOLS_HELP"; exit 1; fi
	$(PIP) install -q -r requirements-bench.txt
	$(PY) -m bench.speech.make_calls --out $(SPEECH_DATA) --set all

speech-data: install $(SPEECH_DATA)/manifest.json

# Streaming WER per engine, set and voice family beside plain faster-whisper, the robustness set apart, and CPU per
# stream (about 45 minutes on 2 cores; BENCH_SPEECH_ARGS='--engines base --sets test' for less). Latency through
# the whole stack: make bench-e2e.
bench-speech: speech-data
	$(PY) -m bench.speech.bench --data $(SPEECH_DATA) --baseline $(BENCH_SPEECH_ARGS)

# Every decoding and endpointing option moved on its own from each engine's defaults, on dev only (hours on 2 cores).
bench-speech-sweep: speech-data
	$(PY) -m bench.speech.bench --data $(SPEECH_DATA) --sets dev --sweep

# Interim results on the test calls in real time, off then on: word end (force-aligned reference) -> first message
# showing the word, finals' latency, CPU (README "Interim results"; ~7 minutes; BENCH_INTERIM_ARGS='--calls 2').
BENCH_INTERIM_ARGS ?= --calls 4 --seconds 150
bench-interim: speech-data
	$(PY) -m bench.speech.interim --data $(SPEECH_DATA) $(BENCH_INTERIM_ARGS)

# Spanish WER (es-test, "es-US" and "auto") and "auto" language-detection accuracy (es/fr/de/en streams) with the
# base engine; the Spanish calls come from festival el_diphone (festvox-ellpc11k) and pico es-ES.
bench-languages: speech-data
	$(PY) -m bench.speech.make_calls_es --out $(SPEECH_DATA)/es
	nice -n 5 $(PY) -m bench.speech.languages --data $(SPEECH_DATA)

# Custom vocabulary: recall of brand, product and person names and WER on the other words, without and with the
# vocabulary (names-dev tunes, names-test reports; tiny.en, then base). The name calls (same TTS tools as speech-data)
# take ~1 minute to make; each engine ~5 minutes on 2 cores.
bench-vocabulary: install
	$(PY) -m bench.speech.names --out $(SPEECH_DATA)/names
	nice -n 5 $(PY) -m bench.speech.vocabulary --data $(SPEECH_DATA)/names --set names-test --engine tiny.en --configs 1,2,3,4,5,8
	nice -n 5 $(PY) -m bench.speech.vocabulary --data $(SPEECH_DATA)/names --set names-test --engine base --configs 1,2,3,4,5,8

bench-kvs: install
	$(PY) -m bench.kvs.parse

# N concurrent calls in real time through one worker process (about 2 minutes for 1, 10 and 20 calls).
bench-gateway: install
	$(PY) -m bench.gateway.bench --calls 1 10 20

# SQS -> webhook Lambda -> HTTPS receiver latency, FIFO and standard queues (moto server, loopback receiver).
bench-delivery: install
	$(PY) -m bench.delivery.bench

# N concurrent calls (1, 6, 10, 20) of the realistic test set in real time through the whole local stack, block- and
# fragment-level KVS delivery: reference end of speech -> webhook latency per stage, WER, CPU and RSS per call (about
# 4 minutes per row on 2 cores, about 30 minutes in all; --calls 10 --modes block for one row).
bench-e2e: install
	$(PY) -m bench.e2e.bench

# File Exporter: 1,000,000 synthetic utterances (one day) through the index reader, both encoders and multipart
# uploads to a moto server; rows/s and peak RSS (about 1 minute).
bench-export: install
	$(PY) -m bench.export.bench --rows 1000000

# Cost per 1,000 call-minutes from the stored measurements and list prices (bench/cost/cost.py: one table each);
# COST_ARGS='--measure 4' re-counts the worker's requests with 4 real-time calls first (about a minute).
cost: install
	$(PY) -m bench.cost $(COST_ARGS)

bench: bench-kvs bench-gateway bench-delivery bench-e2e bench-export bench-speech bench-interim bench-languages bench-vocabulary

deploy: install
	$(CDK_CLI) deploy --all $(CDK_ARGS)

diff: install
	$(CDK_CLI) diff --all $(CDK_ARGS)

clean:
	rm -rf $(VENV) .build $(CDK_OUTDIR) .pytest_cache .mypy_cache .ruff_cache

# The whole product on this machine, no AWS account: a two-party call through the full pipeline, live transcripts.
demo: install
	$(VENV)/bin/connect-transcribe demo $(DEMO_ARGS)
