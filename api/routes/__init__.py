"""One router per resource, all mounted under /api/v1 by api.main.create_app."""
