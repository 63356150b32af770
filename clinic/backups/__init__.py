"""Backups that restore: `flask backup create` and `flask backup restore` (see services.py)."""
