"""The staff back office: a Starlette app on the same database and domain code as the chat and the CLI."""
