"""The `kg` command (the top floor: nothing in the project imports it): kg/cli/app.py builds the app and one
module per area adds its sub-commands with `register(app)`."""

from kg.cli.app import COMMAND_MODULES, app, main

__all__ = ["COMMAND_MODULES", "app", "main"]
