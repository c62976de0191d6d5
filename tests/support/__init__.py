"""What tests and benchmarks share: the harnesses and helpers they are built from, one idea per module.

The test databases and the fixed moments of the example content (`databases`); a resident typing and
tapping into the core (`chat`); the loopback Telegram Bot API (`telegram_emulator`) and the bot and
residents on it (`telegram`); a real Synapse (`synapse`), a resident on it (`matrix_resident`) and the bot
(`matrix`); the real `quartiersbot` command in a process (`cli`); a test's own events, queue and survey
answers (`events`, `queue`, `survey`); the generated texts that fuzz both channels (`fuzz_text`).

tests/conftest.py builds the fixtures from these modules; test modules and benchmarks import from here.
"""

import pkgutil

import pytest

# Their asserts report as the tests' own do (registered before any of them is imported).
pytest.register_assert_rewrite(*(f"{__name__}.{module.name}" for module in pkgutil.iter_modules(__path__)))
