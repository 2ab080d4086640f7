"""What the browser tests check on every page: no raw identifier or missing catalog entry among
the words a person sees, nothing wider than its box, no cell narrower than its shortest word, no
word of a label, button, heading cell or tile broken across two lines, no page taller than a few screens, and axe-core's accessibility rules (WCAG 2 A/AA, colour
contrast included).

The raw-identifier check reads the visible text node by node (hidden parts, and parts marked
``translate="no"`` — log-in names, staff codes, room codes, numbers a person types —, are left
out) and finds: snake_case words; a known code (a status, step, SMS state, role, skill…) standing
alone in a segment (between · , / ( ) : ; — or on its own), in any lowercase; ``True``,
``False``, ``None``, ``null``, ``undefined``, ``NaN``; JSON (``{``, ``}``, ``":``); a catalog
key (``kind:value``). On a Chinese page also any lowercase Latin word not in ``ALLOWED``.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from ticketing import masterdata as md
from ticketing.lifecycle import Action, Status
from ticketing.orders import CLEANING_KINDS
from web.security import ROLES

ROOT = Path(__file__).resolve().parents[2]
AXE = ROOT / "node_modules" / "axe-core" / "axe.min.js"

# Codes a page could leak: every enumeration value the core and the adapters produce.
CODES = frozenset(
    {s.value for s in Status} | {a.value for a in Action} | set(ROLES)
    | set(md.ROLES.values()) | set(md.SHIFTS.values()) | set(md.ORG_KINDS.values()) | set(md.DIETS.values())
    | set(md.MEALS.values()) | set(CLEANING_KINDS) | set(md.SKILLS.values())
    | {"accept", "merged_in", "link_call", "reprint", "resend", "approval_requested", "approve", "reject",
       "queued", "sending", "retry", "sent", "delivered", "failed", "replied", "work_order", "confirm",
       "explain", "escalation", "approval", "acted", "rejected", "duplicate", "offered", "released",
       "finished", "normal", "urgent", "critical", "phone", "ivr", "self_service", "sms", "idle", "ringing",
       "in_call", "busy", "on_hold", "paused", "unavailable", "logged_out", "unknown", "printing",
       "printed", "answered", "abandoned", "ended_in_ivr", "pending", "approved", "repair", "meals",
       "oxygen", "transport", "complaint", "operator", "service_type", "department", "location", "worker"})
# Latin words a Chinese page may show: units (a part's spec: 80kg, 5mm), file formats, a language's own name
ALLOWED = frozenset({"csv", "excel", "ctrl", "enter", "esc", "english", "ms", "mb", "kg", "mm", "cm", "ml", "kw"})

SNAKE = re.compile(r"\b[a-z][a-z0-9]*(?:_[a-z0-9]+)+\b")
LITERALS = re.compile(r"\b(?:True|False|None|null|undefined|NaN)\b")
JSONISH = re.compile(r"[{}]|\"\s*:")
CATALOG_KEY = re.compile(r"\b[a-z_]+:[a-z_]+\b")
SEGMENTS = re.compile(r"\s*[·,，()（）:：;；|]\s*|\n")
LATIN = re.compile(r"[A-Za-z]+")

VISIBLE_TEXT_JS = """() => {
  const out = [];
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  for (let n = walker.nextNode(); n; n = walker.nextNode()) {
    const text = n.nodeValue.trim();
    const el = n.parentElement;
    if (!text || !el || el.closest('script, style, template, [translate="no"], [hidden]')) continue;
    if (!el.checkVisibility({ visibilityProperty: true })) continue;
    out.push(text);
  }
  for (const el of document.querySelectorAll('input[placeholder], [title], [aria-label]')) {
    if (el.closest('[translate="no"]') || !el.checkVisibility()) continue;
    for (const a of ['placeholder', 'aria-label']) if (el.getAttribute(a)) out.push(el.getAttribute(a));
  }
  return out;
}"""


def raw_identifiers(texts: list[str], language: str) -> list[str]:
    """The raw codes among the visible texts (each found once, with its text)."""
    found: dict[str, str] = {}
    for text in texts:
        hits = SNAKE.findall(text) + LITERALS.findall(text) + JSONISH.findall(text) + CATALOG_KEY.findall(text)
        hits += [seg for seg in SEGMENTS.split(text) if seg in CODES]
        if language == "zh-CN":
            hits += [w for w in LATIN.findall(text) if w.islower() and len(w) > 1 and w not in ALLOWED]
        for hit in hits:
            found.setdefault(hit, text[:80])
    return [f"{hit!r} in {text!r}" for hit, text in found.items()]


MEASURE_JS = """() => {
  const out = { overflow: [], narrow: [], cut_without_title: [], broken: [], width: document.documentElement.scrollWidth,
                height: document.documentElement.scrollHeight, vw: innerWidth, vh: innerHeight };
  const name = (el) => el.tagName.toLowerCase() + (el.id ? '#' + el.id : '') +
    (el.classList.length ? '.' + [...el.classList].join('.') : '');
  for (const box of document.querySelectorAll('main, .card, .tile, .kpi, dialog[open], .facts, .actions')) {
    if (!box.checkVisibility()) continue;
    if (box.scrollWidth > box.clientWidth + 1) out.overflow.push(name(box) + ' ' + box.scrollWidth + '>' + box.clientWidth);
    const r = box.getBoundingClientRect();
    for (const child of box.querySelectorAll('table, .chart, .wall-chart, form, .pager, .chips, canvas, select, input, textarea, button')) {
      if (!child.checkVisibility()) continue;
      const c = child.getBoundingClientRect();
      if (c.right > r.right + 1 || c.left < r.left - 1) out.overflow.push(name(child) + ' outside ' + name(box));
    }
  }
  const ctx = document.createElement('canvas').getContext('2d');
  const cjk = /[\\u3000-\\u9fff\\uff00-\\uffef]/;
  for (const cell of document.querySelectorAll('td, th')) {
    if (!cell.checkVisibility()) continue;
    const text = cell.innerText.trim();
    if (!text) continue;
    const st = getComputedStyle(cell);
    const inner = cell.clientWidth - parseFloat(st.paddingLeft) - parseFloat(st.paddingRight);
    if (st.whiteSpace === 'nowrap' && st.textOverflow === 'ellipsis') {
      if (cell.scrollWidth > cell.clientWidth + 1 && !cell.title) out.cut_without_title.push(name(cell) + ' ' + text.slice(0, 30));
      if (inner < 12) out.narrow.push(name(cell) + ' ' + inner + 'px: ' + text.slice(0, 30));
      continue;
    }
    ctx.font = st.font;
    const words = text.split(/\\s+/).filter(Boolean).map((w) => (cjk.test(w) ? [...w].slice(0, 2).join('') : w));
    const shortest = Math.min(...words.map((w) => ctx.measureText(w).width));
    if (inner + 1 < shortest) out.narrow.push(name(cell) + ' ' + Math.round(inner) + 'px < ' + Math.round(shortest) + 'px: ' + text.slice(0, 30));
  }
  // a word broken across two lines where a person reads a name or a choice (Repa|ir)
  const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
  const range = document.createRange();
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const holder = node.parentElement.closest('label, button, legend, th, dt, .status, .chip, .tile');
    if (!holder || !holder.checkVisibility()) continue;
    for (const m of node.data.matchAll(/[A-Za-z]{2,}/g)) {
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
      if (lines.size > 1) out.broken.push(name(holder) + ': ' + m[0]);
    }
  }
  return out;
}"""


def layout_problems(m: dict[str, Any], max_screens: float) -> list[str]:
    problems = [f"overflow: {o}" for o in m["overflow"]] + [f"narrow cell: {n}" for n in m["narrow"]]
    problems += [f"cut without tooltip: {c}" for c in m["cut_without_title"]]
    problems += [f"a word broken across lines: {b}" for b in m["broken"]]
    if m["width"] > m["vw"] + 1:
        problems.append(f"page {m['width']} px wide in a {m['vw']} px window")
    if m["height"] > m["vh"] * max_screens + 1:
        problems.append(f"page {m['height']} px tall: more than {max_screens} screens of {m['vh']} px")
    return problems


def run_axe(page: Any) -> list[str]:
    """axe-core's WCAG 2 A/AA violations (serious and critical), one line each."""
    if not page.evaluate("typeof axe !== 'undefined'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))  # evaluated, not a <script>: the page's CSP stays on
    result = page.evaluate("""() => axe.run(document, { runOnly: { type: 'tag', values: ['wcag2a', 'wcag2aa', 'wcag21aa'] },
                                                       resultTypes: ['violations'] })""")
    out = []
    for v in result["violations"]:
        if v["impact"] not in ("serious", "critical"):
            continue
        for node in v["nodes"][:3]:
            out.append(f"{v['id']}: {node['target']} {node.get('failureSummary', '')[:160]}")
    return out
