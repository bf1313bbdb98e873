# peerline: `make demo` to try it, `make test` to check it. Both set up what they need.
.PHONY: setup train demo test validate eval converse bench screen-model finetune-model engine-trust lint format typecheck clean

setup:
	@bash scripts/setup.sh

train: setup
	@bash scripts/train.sh

demo: train
	@.venv/bin/peerline demo

test: train
	@bash scripts/test.sh

validate: setup
	@bash scripts/validate.sh

eval: train
	@bash scripts/eval.sh

CONVERSATIONS ?= data/conversations/sample.yml
converse: train
	@.venv/bin/python -m scripts.converse $(CONVERSATIONS)

screen-model: setup
	@.venv/bin/python scripts/train_screen_model.py

finetune-model:
	@bash scripts/finetune.sh

engine-trust: train
	@.venv/bin/python scripts/calibrate_engine.py

bench: train
	@.venv/bin/python -m scripts.bench_screen
	@.venv/bin/python -m scripts.bench_safety
	@.venv/bin/python -m scripts.bench_console
	@.venv/bin/python scripts/bench_outreach.py
	@.venv/bin/pytest tests/messaging/test_fuzz.py -q --hypothesis-profile=long
	@.venv/bin/python -m scripts.bench_scale
	@.venv/bin/python -m scripts.bench_engine --postgres --split

lint: setup
	@.venv/bin/ruff check .
	@.venv/bin/ruff format --check .
	@.venv/bin/mypy

format: setup
	@.venv/bin/ruff check --fix .
	@.venv/bin/ruff format .

typecheck: setup
	@.venv/bin/mypy

clean:
	rm -rf .venv .venv-engine models var results .pytest_cache .mypy_cache .ruff_cache
