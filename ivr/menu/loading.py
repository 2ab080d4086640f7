"""Reading and validating ``config/ivr_menu.toml``.

The tree is validated as a whole when loaded — keys, targets, queues, service types, prompts
in every language, sub-menus that exist and are reachable, no loops, the after-hours and
survey sections — and every mistake is listed in one ``MenuError``, so ``onestop ivr check``
finds them, not a caller.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any

from ivr.menu.model import (
    BACK_KEY,
    KEYS,
    OPERATOR_KEY,
    AckConfig,
    AfterHours,
    Choice,
    Department,
    Menu,
    Node,
    Prompt,
    SelfServiceChoice,
    SurveyConfig,
    Target,
)

SHIPPED_MENU = Path(__file__).resolve().parents[2] / "config" / "ivr_menu.toml"
# The service types of config/service_catalog.toml; the composition root passes the catalog's.
DEFAULT_SERVICE_TYPES = ("repair", "meals", "cleaning", "oxygen", "transport", "complaint", "operator")


class MenuError(ValueError):
    """The menu file is invalid; ``problems`` lists every mistake found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source, self.problems = source, problems
        super().__init__(f"{source}: invalid IVR menu:\n" + "\n".join(f"  - {p}" for p in problems))


REQUIRED_AFTER_HOURS = ("greeting", "location_prompt", "unknown_location", "service_prompt",
                        "you_entered", "confirm_prompt", "created", "goodbye")
REQUIRED_SURVEY = ("intro", "ask", "invalid", "thanks")
REQUIRED_ACK = ("intro", "place", "ask", "accepted", "declined", "invalid")


def load_menu(path: str | os.PathLike[str] | None = None,
              service_types: Iterable[str] = DEFAULT_SERVICE_TYPES) -> Menu:
    """Read and validate a menu file (default: the one that ships in ``config/``)."""
    file = Path(path) if path else SHIPPED_MENU
    try:
        data = tomllib.loads(file.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MenuError(str(file), ["file not found"]) from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise MenuError(str(file), [f"not valid TOML: {exc}"]) from None
    return parse_menu(data, str(file), service_types)


def parse_menu(data: Mapping[str, Any], source: str = "<menu>",
               service_types: Iterable[str] = DEFAULT_SERVICE_TYPES) -> Menu:
    """Build a :class:`Menu` from parsed TOML, raising :class:`MenuError` with every problem."""
    b = _Builder(source, data, frozenset(service_types))
    menu = b.build()
    if b.problems:
        raise MenuError(source, b.problems)
    assert menu is not None
    return menu


class _Builder:
    def __init__(self, source: str, data: Mapping[str, Any], services: frozenset[str]) -> None:
        self.source, self.data, self.services = source, data, services
        self.problems: list[str] = []
        top = _table(data.get("menu"))
        self.top = top
        self.languages = tuple(str(x) for x in top.get("languages", ["zh-CN", "en"]))
        self.queues = frozenset(str(q) for q in top.get("queues", []))

    def fail(self, msg: str) -> None:
        self.problems.append(msg)

    def build(self) -> Menu | None:
        top = self.top
        if not self.data.get("menu"):
            self.fail("[menu] section missing")
        default_language = str(top.get("default_language", self.languages[0] if self.languages else ""))
        if default_language not in self.languages:
            self.fail(f"menu.default_language {default_language!r} is not in menu.languages {list(self.languages)}")
        if not self.queues:
            self.fail("menu.queues is empty: list the Asterisk queues the menu may send callers to")
        timeout = _number(top.get("timeout_s", 6), 1, 60, "menu.timeout_s", self)
        retries = int(_number(top.get("retries", 2), 0, 9, "menu.retries", self))
        no_input = int(_number(top.get("no_input_retries", 0), 0, 9, "menu.no_input_retries", self))
        operator = self.target(top.get("operator"), "menu.operator")
        fallback = self.target(top.get("fallback", top.get("operator")), "menu.fallback")
        invalid = self.prompt(top.get("invalid_prompt"), "menu.invalid_prompt")
        nodes = {name: self.node(str(name), spec, timeout, retries, no_input)
                 for name, spec in _table(self.data.get("nodes")).items()}
        root = str(top.get("root", "main"))
        if root not in nodes:
            self.fail(f"menu.root {root!r} is not a node (nodes: {', '.join(nodes) or 'none'})")
        departments = self.departments(nodes)
        self.check_graph(nodes, [root, *(d.start for d in departments.values())])
        vip = _table(self.data.get("vip"))
        vip_target = self.target(vip.get("target", top.get("operator")), "vip.target")
        after_hours = self.after_hours(timeout, retries)
        survey = self.survey()
        ack = self.ack()
        sounds = {str(k): self.prompt(v, f"sounds.services.{k}")
                  for k, v in _table(_table(self.data.get("sounds")).get("services")).items()}
        self.check_sounds(sounds, after_hours)
        if self.problems:
            return None
        assert operator and fallback and vip_target
        return Menu(self.source, root, default_language, self.languages,
                    bool(top.get("follow_channel_language", False)), self.queues, nodes, invalid,
                    operator, fallback, frozenset(str(d) for d in vip.get("departments", [])),
                    vip_target, departments, after_hours, survey, sounds, ack)

    def prompt(self, spec: Any, where: str) -> Prompt:
        if not isinstance(spec, Mapping) or not spec:
            self.fail(f"{where}: prompt missing (give a sound name per language: {list(self.languages)})")
            return {}
        missing = [lang for lang in self.languages if not str(spec.get(lang, "")).strip()]
        if missing:
            self.fail(f"{where}: no sound for {', '.join(missing)}")
        unknown = [k for k in spec if k not in self.languages]
        if unknown:
            self.fail(f"{where}: languages {unknown} are not in menu.languages")
        return {str(k): str(v) for k, v in spec.items()}

    def target(self, spec: Any, where: str) -> Target | None:
        if not isinstance(spec, Mapping):
            self.fail(f"{where}: missing; give {{ service = \"…\", queue = \"…\" }}")
            return None
        service = str(spec.get("service", ""))
        queue, transfer = str(spec.get("queue", "")), str(spec.get("transfer", ""))
        if service not in self.services:
            self.fail(f"{where}: unknown service type {service!r} (known: {', '.join(sorted(self.services))})")
        if bool(queue) == bool(transfer):
            self.fail(f"{where}: give exactly one of queue or transfer")
        elif queue and queue not in self.queues:
            self.fail(f"{where}: unknown queue {queue!r} (menu.queues: {', '.join(sorted(self.queues))})")
        extra = set(spec) - {"service", "queue", "transfer", "node"}
        if extra:
            self.fail(f"{where}: unknown keys {sorted(extra)}")
        return Target(service, queue, transfer)

    def node(self, name: str, spec: Any, timeout: float, retries: int, no_input: int) -> Node:
        spec = _table(spec)
        where = f"nodes.{name}"
        digits: dict[str, Choice] = {}
        for key, choice in _table(spec.get("digits")).items():
            digits[str(key)] = self.choice(str(key), choice, f"{where}.digits.{key}")
        if not digits:
            self.fail(f"{where}: no digits: a menu must offer at least one key")
        return Node(name, self.prompt(spec.get("prompt"), f"{where}.prompt"), digits,
                    _number(spec.get("timeout_s", timeout), 1, 60, f"{where}.timeout_s", self),
                    int(_number(spec.get("retries", retries), 0, 9, f"{where}.retries", self)),
                    int(_number(spec.get("no_input_retries", no_input), 0, 9,
                                f"{where}.no_input_retries", self)))

    def choice(self, key: str, spec: Any, where: str) -> Choice:
        if key in (OPERATOR_KEY, BACK_KEY):
            self.fail(f"{where}: key {key} is reserved (0 = operator, * = back) in every menu")
        elif len(key) != 1 or key not in KEYS:
            self.fail(f"{where}: {key!r} is not a phone key (one of {KEYS})")
        if isinstance(spec, Mapping) and "node" in spec:
            if set(spec) != {"node"}:
                self.fail(f"{where}: a sub-menu choice takes only node = \"…\"")
            return Choice(node=str(spec["node"]))
        return Choice(target=self.target(spec, where))

    def departments(self, nodes: Mapping[str, Node]) -> dict[str, Department]:
        out = {}
        for dept, spec in _table(self.data.get("departments")).items():
            spec = _table(spec)
            start = str(spec.get("start", self.top.get("root", "main")))
            if start not in nodes:
                self.fail(f"departments.{dept}.start: {start!r} is not a node")
            greeting = spec.get("greeting")
            out[str(dept)] = Department(
                self.prompt(greeting, f"departments.{dept}.greeting") if greeting is not None else None,
                start)
        return out

    def check_graph(self, nodes: Mapping[str, Node], starts: list[str]) -> None:
        for node in nodes.values():
            for key, choice in node.digits.items():
                if choice.node and choice.node not in nodes:
                    self.fail(f"nodes.{node.name}.digits.{key}: no node named {choice.node!r}")
        reached: set[str] = set()
        for start in starts:
            if start in nodes:
                self._walk(nodes, start, [], reached)
        for name in nodes:
            if name not in reached:
                self.fail(f"nodes.{name}: unreachable (no key leads to it from menu.root)")

    def _walk(self, nodes: Mapping[str, Node], name: str, path: list[str], reached: set[str]) -> None:
        if name in path:
            loop = " → ".join([*path[path.index(name):], name])
            self.fail(f"nodes: loop {loop} (use * to go back instead)")
            return
        if name in reached:
            return
        reached.add(name)
        for choice in nodes[name].digits.values():
            if choice.node in nodes:
                self._walk(nodes, choice.node, [*path, name], reached)

    def after_hours(self, timeout: float, retries: int) -> AfterHours:
        spec = _table(self.data.get("after_hours"))
        enabled = bool(spec.get("enabled", False))
        prompts = {k: self.prompt(spec.get(k), f"after_hours.{k}") if enabled else {}
                   for k in REQUIRED_AFTER_HOURS}
        urgent = frozenset(str(s) for s in spec.get("urgent", []))
        for s in sorted(urgent - self.services):
            self.fail(f"after_hours.urgent: unknown service type {s!r}")
        services: dict[str, SelfServiceChoice] = {}
        for key, choice in _table(spec.get("services")).items():
            where = f"after_hours.services.{key}"
            choice = _table(choice)
            service = str(choice.get("service", ""))
            if service not in self.services:
                self.fail(f"{where}: unknown service type {service!r}")
            if str(key) in (OPERATOR_KEY, BACK_KEY) or len(str(key)) != 1 or str(key) not in KEYS:
                self.fail(f"{where}: {key!r} is not a free phone key (0 and * are reserved)")
            services[str(key)] = SelfServiceChoice(service, bool(choice.get("urgent", False)),
                                                   str(choice.get("sound", service)))
        if enabled and not services:
            self.fail("after_hours.services: empty; list the services callers may order themselves")
        urgent_target = (self.target(spec.get("urgent_target", self.top.get("operator")),
                                     "after_hours.urgent_target") or Target("operator", "", "")) \
            if enabled else Target("operator", "", "")
        return AfterHours(enabled, int(_number(spec.get("retries", retries), 0, 9, "after_hours.retries", self)),
                          _number(spec.get("timeout_s", timeout), 1, 60, "after_hours.timeout_s", self),
                          int(_number(spec.get("location_max_digits", 8), 1, 16,
                                      "after_hours.location_max_digits", self)),
                          urgent, urgent_target, services, prompts)

    def survey(self) -> SurveyConfig:
        spec = _table(self.data.get("survey"))
        comment = bool(spec.get("comment", False))
        names = REQUIRED_SURVEY + (("comment_offer",) if comment else ())
        prompts = {k: self.prompt(spec.get(k), f"survey.{k}") for k in names}
        return SurveyConfig(_number(spec.get("timeout_s", 8), 1, 60, "survey.timeout_s", self),
                            int(_number(spec.get("retries", 1), 0, 9, "survey.retries", self)),
                            comment, int(_number(spec.get("comment_max_s", 30), 1, 300,
                                                 "survey.comment_max_s", self)),
                            str(spec.get("comment_dir", "onestop-comments")), prompts)

    def ack(self) -> AckConfig:
        """``[ack]``; without it the prompts are the shipped names (``onestop/<lang>/ack-…``)."""
        spec = _table(self.data.get("ack"))
        prompts = {}
        for k in REQUIRED_ACK:
            if spec:
                prompts[k] = self.prompt(spec.get(k), f"ack.{k}")
            else:
                name = "invalid-key" if k == "invalid" else f"ack-{k}"
                prompts[k] = {lang: f"onestop/{lang.split('-')[0].lower()}/{name}" for lang in self.languages}
        return AckConfig(_number(spec.get("timeout_s", 8), 1, 60, "ack.timeout_s", self),
                         int(_number(spec.get("retries", 1), 0, 9, "ack.retries", self)), prompts)

    def check_sounds(self, sounds: Mapping[str, Prompt], after_hours: AfterHours) -> None:
        wanted = {c.sound for c in after_hours.services.values()} | set(self.services)
        for name in sorted(wanted - set(sounds)):
            self.fail(f"sounds.services.{name}: prompt missing (read back by self-service and the survey)")


def _table(value: Any) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _number(value: Any, low: float, high: float, where: str, b: _Builder) -> float:
    if not isinstance(value, int | float) or isinstance(value, bool) or not low <= value <= high:
        b.fail(f"{where}: must be a number from {low:g} to {high:g}, got {value!r}")
        return low
    return float(value)
