"""Choosing the interface language in tests the way a person does: with the language switch's cookie
(the browser's Accept-Language is deliberately ignored, see accounts.middleware)."""

from django.conf import settings
from django.test import Client


def in_language(client: Client, language: str) -> Client:
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = language
    return client


def in_english(client: Client | None = None) -> Client:
    return in_language(client or Client(), "en")
