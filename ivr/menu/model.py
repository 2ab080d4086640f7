"""The IVR menu tree as data: nodes with prompts per language and keys that lead to a
sub-menu or to a target (a service type with a queue or transfer), plus the after-hours
self-service, the survey and the sounds they read back. Frozen: a call keeps the menu it
started with."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

OPERATOR_KEY, BACK_KEY = "0", "*"
KEYS = "0123456789*#"

Prompt = Mapping[str, str]  # language → sound name


@dataclass(frozen=True)
class Target:
    """Where a caller ends up: the channel variables the dialplan acts on."""

    service: str
    queue: str = ""
    transfer: str = ""

    def describe(self) -> str:
        to = f"queue {self.queue}" if self.queue else f"transfer {self.transfer}"
        return f"{self.service} → {to}"


@dataclass(frozen=True)
class Choice:
    node: str = ""  # a sub-menu, or
    target: Target | None = None  # a destination


@dataclass(frozen=True)
class Node:
    name: str
    prompt: Prompt
    digits: Mapping[str, Choice]
    timeout_s: float
    retries: int
    no_input_retries: int


@dataclass(frozen=True)
class SelfServiceChoice:
    service: str
    urgent: bool
    sound: str  # key into Menu.service_sounds


@dataclass(frozen=True)
class AfterHours:
    enabled: bool
    retries: int
    timeout_s: float
    location_max_digits: int
    urgent: frozenset[str]
    urgent_target: Target
    services: Mapping[str, SelfServiceChoice]
    prompts: Mapping[str, Prompt]  # greeting, location_prompt, unknown_location, …


@dataclass(frozen=True)
class SurveyConfig:
    timeout_s: float
    retries: int
    comment: bool
    comment_max_s: int
    comment_dir: str
    prompts: Mapping[str, Prompt]  # intro, ask, invalid, comment_offer, thanks


@dataclass(frozen=True)
class AckConfig:
    """The field worker's acknowledgement call (the ``ack`` route): the ticket number and the
    place are read, then 1 accepts and 2 declines."""

    timeout_s: float
    retries: int
    prompts: Mapping[str, Prompt]  # intro, place, ask, accepted, declined, invalid


@dataclass(frozen=True)
class Department:
    greeting: Prompt | None
    start: str


@dataclass(frozen=True)
class Menu:
    source: str
    root: str
    default_language: str
    languages: tuple[str, ...]
    follow_channel_language: bool
    queues: frozenset[str]
    nodes: Mapping[str, Node]
    invalid_prompt: Prompt
    operator: Target
    fallback: Target
    vip_departments: frozenset[str]
    vip_target: Target
    departments: Mapping[str, Department]
    after_hours: AfterHours
    survey: SurveyConfig
    service_sounds: Mapping[str, Prompt]
    ack: AckConfig | None = None

    def language_for(self, channel_language: str) -> str:
        """The prompt language for a channel (Asterisk's ``agi_language``)."""
        if self.follow_channel_language:
            norm = channel_language.replace("_", "-").lower()
            for lang in self.languages:
                if norm == lang.lower() or norm == lang.split("-")[0].lower():
                    return lang
        return self.default_language

    def sound(self, prompt: Prompt, language: str) -> str:
        return prompt.get(language) or prompt[self.default_language]
