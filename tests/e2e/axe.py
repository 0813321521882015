"""Run axe-core in a page and turn its findings into a readable failure.

axe is injected with `page.evaluate` of its source: DevTools evaluation is not subject to the
page's Content-Security-Policy, so the app's real CSP (no inline script) stays in force for
everything else the page does.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from playwright.sync_api import Page

AXE_DIR = Path(__file__).parent / "vendor" / "axe-core-4.14.1"
AXE_SOURCE = (AXE_DIR / "axe.min.js").read_text(encoding="utf-8")

# WCAG 2.0, 2.1 and 2.2 at levels A and AA (axe tags every rule with the success criteria it tests).
WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22a", "wcag22aa"]
BLOCKING = ("serious", "critical")

# Findings checked by hand and judged wrong, each narrowed to one rule and one kind of element.
# They are reported in the summary as waived, never silently dropped.
WAIVERS = [
    {
        "rule": "label-content-name-mismatch",
        "selector": ".nhsuk-file-upload__drop-button",
        "reason": "nhsuk-frontend's file drop button is named by its label plus its own content "
                  "(aria-labelledby includes itself), so every visible word is in its name; axe "
                  "joins the block-level spans without a space ('No file chosenChoose file') and "
                  "then fails to find that run-together text. Chromium's computed name is checked "
                  "in test_directory.py instead.",
    },
]


@dataclass
class AxeResult:
    """What axe found on one page."""

    name: str
    url: str
    violations: list[dict[str, Any]]
    passes: int
    incomplete: int
    waived: list[str] = field(default_factory=list)
    blocking: list[dict[str, Any]] = field(init=False)

    def __post_init__(self) -> None:
        self.blocking = [v for v in self.violations if v.get("impact") in BLOCKING]

    def describe(self, violations: list[dict[str, Any]] | None = None) -> str:
        lines = [f"axe on {self.name} ({self.url}):"]
        for violation in violations if violations is not None else self.violations:
            lines.append(
                f"  [{violation['impact']}] {violation['id']}: {violation['help']}"
                f"\n    {violation['helpUrl']}"
            )
            for node in violation["nodes"][:8]:
                target = " ".join(str(t) for t in node["target"])
                lines.append(f"    - {target}")
                summary = (node.get("failureSummary") or "").replace("\n", "\n        ")
                if summary:
                    lines.append(f"        {summary}")
                lines.append(f"        {node['html'][:200]}")
            if len(violation["nodes"]) > 8:
                lines.append(f"    ... and {len(violation['nodes']) - 8} more elements")
        return "\n".join(lines)


def run_axe(page: Page, name: str) -> AxeResult:
    """Inject axe (once per document) and run the WCAG A/AA rules on the whole page."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE_SOURCE)
    raw = page.evaluate(
        """async ([tags, waivers]) => {
            const r = await window.axe.run(document, {
                runOnly: {type: 'tag', values: tags},
                resultTypes: ['violations'],
            });
            const waived = [];
            const violations = r.violations.map((v) => {
                const nodes = v.nodes.filter((node) => {
                    const el = document.querySelector(node.target[0]);
                    const w = waivers.find((w) => w.rule === v.id && el && el.matches(w.selector));
                    if (w) waived.push(`${v.id} on ${node.target.join(' ')}`);
                    return !w;
                });
                return {...v, nodes};
            }).filter((v) => v.nodes.length);
            return {violations, waived, passes: r.passes.length,
                    incomplete: r.incomplete.length, url: r.url};
        }""",
        [WCAG_TAGS, WAIVERS],
    )
    return AxeResult(name=name, url=raw["url"], violations=raw["violations"],
                     passes=raw["passes"], incomplete=raw["incomplete"], waived=raw["waived"])


def save_report(result: AxeResult, folder: Path) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{result.name}.json").write_text(
        json.dumps({"url": result.url, "violations": result.violations, "waived": result.waived},
                   indent=2),
        encoding="utf-8",
    )
