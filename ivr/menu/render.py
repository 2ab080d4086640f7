"""The menu tree as text, for ``onestop ivr check``."""

from __future__ import annotations

from ivr.menu.model import Menu


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
