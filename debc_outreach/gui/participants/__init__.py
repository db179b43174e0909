"""The participant registry: list, edit, duplicates."""
