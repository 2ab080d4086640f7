"""One caller's way through the menu, without any I/O: keys and silences in, the next step
out. The FastAGI handler and ``onestop ivr simulate`` both drive it."""

from __future__ import annotations

from dataclasses import dataclass, field

from ivr.menu.model import BACK_KEY, OPERATOR_KEY, Menu, Node, Target


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
