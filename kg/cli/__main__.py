"""`python -m kg.cli`: the same as the `kg` command."""

from kg.cli.app import main

main()
