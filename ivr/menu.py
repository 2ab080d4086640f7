"""The IVR menu tree from ``config/ivr_menu.toml``: loading, validation and a pure walker.

The tree is data: nodes with prompts per language and keys that lead to a sub-menu, or to a
service type with a queue or transfer target. It is validated as a whole when loaded, so a
mistake is found by ``onestop ivr check`` and not by a caller. :class:`MenuWalk` is the menu's
logic without any I/O: the FastAGI handler and ``onestop ivr simulate`` both drive it.
"""

from __future__ import annotations

import logging
import os
import threading
import time
import tomllib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

SHIPPED_MENU = Path(__file__).resolve().parent.parent / "config" / "ivr_menu.toml"
# The service types of config/service_catalog.toml; the composition root passes the catalog's.
DEFAULT_SERVICE_TYPES = ("repair", "meals", "cleaning", "oxygen", "transport", "complaint", "operator")
OPERATOR_KEY, BACK_KEY = "0", "*"
KEYS = "0123456789*#"

Prompt = Mapping[str, str]  # language → sound name


class MenuError(ValueError):
    """The menu file is invalid; ``problems`` lists every mistake found."""

    def __init__(self, source: str, problems: list[str]) -> None:
        self.source, self.problems = source, problems
        super().__init__(f"{source}: invalid IVR menu:\n" + "\n".join(f"  - {p}" for p in problems))


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


# --- loading --------------------------------------------------------------------------------


REQUIRED_AFTER_HOURS = ("greeting", "location_prompt", "unknown_location", "service_prompt",
                        "you_entered", "confirm_prompt", "created", "goodbye")
REQUIRED_SURVEY = ("intro", "ask", "invalid", "thanks")


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
        sounds = {str(k): self.prompt(v, f"sounds.services.{k}")
                  for k, v in _table(_table(self.data.get("sounds")).get("services")).items()}
        self.check_sounds(sounds, after_hours)
        if self.problems:
            return None
        assert operator and fallback and vip_target
        return Menu(self.source, root, default_language, self.languages,
                    bool(top.get("follow_channel_language", False)), self.queues, nodes, invalid,
                    operator, fallback, frozenset(str(d) for d in vip.get("departments", [])),
                    vip_target, departments, after_hours, survey, sounds)

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


# --- walking --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Ask:
    """Play ``sounds`` (the node's prompt, maybe after an error prompt) and wait for a key."""

    node: Node
    sounds: tuple[str, ...]


@dataclass(frozen=True)
class Done:
    target: Target
    reason: str  # digit | operator | no_input | retries | failure


Step = Ask | Done


@dataclass
class MenuWalk:
    """One caller's way through the menu: feed keys and silences, get the next step."""

    menu: Menu
    language: str
    start: str = ""
    path: list[str] = field(default_factory=list)  # keys pressed, for logs and the CLI
    _stack: list[str] = field(default_factory=list)
    _invalid: int = 0
    _silent: int = 0

    def __post_init__(self) -> None:
        self._stack = [self.start or self.menu.root]

    @property
    def node(self) -> Node:
        return self.menu.nodes[self._stack[-1]]

    def first(self, preface: tuple[str, ...] = ()) -> Ask:
        return self._ask(preface)

    def press(self, key: str) -> Step:
        """The caller pressed ``key``."""
        self.path.append(key)
        if key == OPERATOR_KEY:
            return Done(self.menu.operator, "operator")
        if key == BACK_KEY:
            if len(self._stack) > 1:
                self._stack.pop()
            self._invalid = self._silent = 0
            return self._ask()
        choice = self.node.digits.get(key)
        if choice is None:
            return self._invalid_key()
        if choice.node:
            self._stack.append(choice.node)
            self._invalid = self._silent = 0
            return self._ask()
        assert choice.target is not None
        return Done(choice.target, "digit")

    def silence(self) -> Step:
        """No key within the node's timeout."""
        self._silent += 1
        if self._silent > self.node.no_input_retries:
            return Done(self.menu.fallback, "no_input")
        return self._ask()

    def failure(self) -> Done:
        """The channel reported a failure (``result=-1``): send the caller somewhere safe."""
        return Done(self.menu.fallback, "failure")

    def _invalid_key(self) -> Step:
        self._invalid += 1
        if self._invalid > self.node.retries:
            return Done(self.menu.fallback, "retries")
        return self._ask((self.menu.sound(self.menu.invalid_prompt, self.language),))

    def _ask(self, preface: tuple[str, ...] = ()) -> Ask:
        return Ask(self.node, (*preface, self.menu.sound(self.node.prompt, self.language)))


# --- reloading ------------------------------------------------------------------------------


class MenuSource:
    """The current menu, re-read when its file changes.

    Each call takes :meth:`current` once at its start and keeps that object, so a change never
    disturbs calls in progress. An invalid new file is logged and the last good menu stays.
    """

    def __init__(self, path: str | os.PathLike[str] | None = None,
                 service_types: Iterable[str] = DEFAULT_SERVICE_TYPES, check_every_s: float = 1.0) -> None:
        self.path = Path(path) if path else SHIPPED_MENU
        self.service_types = tuple(service_types)
        self.check_every_s = check_every_s
        self._lock = threading.Lock()
        self._menu = load_menu(self.path, self.service_types)
        self._stamp = self._file_stamp()
        self._checked = 0.0
        self.last_error = ""

    def current(self, now: float | None = None) -> Menu:
        """The menu for a new call (re-checks the file at most every ``check_every_s``)."""
        t = time.monotonic() if now is None else now
        if t - self._checked >= self.check_every_s:
            self._checked = t
            if self._file_stamp() != self._stamp:
                self.reload()
        return self._menu

    def reload(self) -> bool:
        """Re-read the file now; returns whether the new menu was taken."""
        with self._lock:
            stamp = self._file_stamp()
            try:
                menu = load_menu(self.path, self.service_types)
            except MenuError as exc:
                self._stamp = stamp  # do not re-read the same broken file on every call
                self.last_error = str(exc)
                log.error("IVR menu not reloaded, keeping the previous one: %s", exc)
                return False
            self._menu, self._stamp, self.last_error = menu, stamp, ""
            log.info("IVR menu reloaded from %s", self.path)
            return True

    def _file_stamp(self) -> tuple[int, int]:
        try:
            st = self.path.stat()
        except OSError:
            return (0, 0)
        return (st.st_mtime_ns, st.st_size)


def render_tree(menu: Menu, language: str | None = None) -> str:
    """The tree as text, for ``onestop ivr check``."""
    lang = language or menu.default_language
    lines = [f"menu {menu.source} (language {lang}; 0 = {menu.operator.describe()}, * = back, "
             f"no key = {menu.fallback.describe()})"]
    _render_node(menu, menu.root, lang, "", lines)
    if menu.vip_departments:
        lines.append(f"VIP {', '.join(sorted(menu.vip_departments))} skip the menu → {menu.vip_target.describe()}")
    ah = menu.after_hours
    if ah.enabled:
        lines.append("after hours: self-service (room code, service, confirm)")
        for key, c in sorted(ah.services.items()):
            urgent = " (urgent: to a person)" if c.urgent or c.service in ah.urgent else ""
            lines.append(f"  {key} {c.sound}{urgent}")
    return "\n".join(lines)


def _render_node(menu: Menu, name: str, lang: str, indent: str, lines: list[str]) -> None:
    node = menu.nodes[name]
    lines.append(f"{indent}[{name}] plays {menu.sound(node.prompt, lang)}, waits {node.timeout_s:g} s, "
                 f"{node.retries} retries")
    for key, choice in sorted(node.digits.items()):
        if choice.node:
            lines.append(f"{indent}  {key} →")
            _render_node(menu, choice.node, lang, indent + "    ", lines)
        elif choice.target:
            lines.append(f"{indent}  {key} {choice.target.describe()}")
