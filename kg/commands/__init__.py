"""The `kg` command's sub-commands, one module per area; kg/cli.py registers each module's `register(app)`."""
