.PHONY: help setup run test lint bench db-start db-stop
help:       ## this list of targets
	@grep -E '^[a-z-]+: +## ' $(MAKEFILE_LIST) | sed 's/: *## /\t/'
setup:      ## install everything (Python packages, Neo4j jars, web packages, chromium)
	bash scripts/setup.sh --dev
run:        ## the main job: start Neo4j, load the shipped sample (or DATA=dir), serve the API and panel
	bash scripts/run.sh $(DATA)
test:       ## lint, types and every test against a real Neo4j
	bash scripts/test.sh
lint:       ## ruff (check and format) and mypy, as the test command runs them
	.venv/bin/ruff check kg api tests bench && .venv/bin/ruff format --check kg api tests bench && .venv/bin/mypy
bench:      ## every benchmark, results in bench/results/
	bash scripts/bench.sh
db-start:   ## start the local Neo4j (kg db start)
	.venv/bin/kg db start
db-stop:    ## stop it (kg db stop)
	.venv/bin/kg db stop
