"""Quartiersbot's runtime core: configuration, database, i18n, conversation core, channels."""
