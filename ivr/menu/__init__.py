"""The IVR menu tree from ``config/ivr_menu.toml``: loading, validation and a pure walker.

The tree is data: nodes with prompts per language and keys that lead to a sub-menu, or to a
service type with a queue or transfer target. It is validated as a whole when loaded, so a
mistake is found by ``onestop ivr check`` and not by a caller. :class:`MenuWalk` is the menu's
logic without any I/O: the FastAGI handler and ``onestop ivr simulate`` both drive it.

The parts, in reading order:

- ``model``: the tree as frozen data — ``Menu``, ``Node``, ``Target``, the after-hours,
  survey and acknowledgement-call sections, prompts (language → sound name).
- ``loading``: ``load_menu``/``parse_menu``, every problem of a file in one ``MenuError``.
- ``walk``: ``MenuWalk`` — keys and silences in, ``Ask`` or ``Done`` out.
- ``source``: ``MenuSource`` — the menu for new calls, re-read when its file changes.
- ``render``: ``render_tree`` for ``onestop ivr check``.
"""

from ivr.menu.loading import (
    DEFAULT_SERVICE_TYPES,
    REQUIRED_ACK,
    REQUIRED_AFTER_HOURS,
    REQUIRED_SURVEY,
    SHIPPED_MENU,
    MenuError,
    load_menu,
    parse_menu,
)
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
from ivr.menu.render import render_tree
from ivr.menu.source import MenuSource
from ivr.menu.walk import Ask, Done, MenuWalk, Step

__all__ = ["BACK_KEY", "DEFAULT_SERVICE_TYPES", "KEYS", "OPERATOR_KEY", "REQUIRED_ACK",
           "REQUIRED_AFTER_HOURS", "AckConfig",
           "REQUIRED_SURVEY", "SHIPPED_MENU", "AfterHours", "Ask", "Choice", "Department", "Done",
           "Menu", "MenuError", "MenuSource", "MenuWalk", "Node", "Prompt", "SelfServiceChoice",
           "Step", "SurveyConfig", "Target", "load_menu", "parse_menu", "render_tree"]
