"""The needs survey (Bedarfsabfrage): one question a screen, resumable, anonymous, with an optional sign-up."""

from handlers.survey.flow import register

__all__ = ["register"]
