"""Flagging prompt-injection attempts in untrusted text and in the model's output, as findings.

Findings are recorded with the step's result so a person (and an auditor) sees that a document
tried to steer the model. They change nothing in what the loop does: safety does not rest on
detection, which a new phrasing or language will always evade, but on the structure (see
:mod:`officeflow.llm.guard`). Detection runs on a normalised view of the text: NFKC (full-width
and other compatibility forms folded to plain letters), invisible characters removed, case
folded, whitespace collapsed; text hidden in Unicode tag characters is scanned as well.

Kinds of finding (:class:`FindingKind`): instructions that try to override the rules, in English,
German, French, Spanish, Italian and Dutch; role tags and chat-template tokens; claims of system
or administrator authority; imitations of the data fences; tool calls written as text; requests
to approve or pay without review; markdown links and images that would carry data to a URL;
invisible characters; words that mix Latin with Cyrillic or Greek letters (homoglyphs).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from enum import StrEnum

from officeflow.llm.guard import Cleaned


class FindingKind(StrEnum):
    """What a finding is about."""

    OVERRIDE_INSTRUCTIONS = "override_instructions"
    """Text tells the model to ignore, forget or replace its instructions."""
    ROLE_TAG = "role_tag"
    """Chat-template tokens or role labels (``<|im_start|>system``, ``[INST]``, ``assistant:``)."""
    FAKE_AUTHORITY = "fake_authority"
    """Text claims to be a system, administrator or developer message."""
    BOUNDARY_SPOOF = "boundary_spoof"
    """Text imitates the fences around data."""
    TOOL_CALL_SMUGGLING = "tool_call_smuggling"
    """A tool or function call written as text, or the name of an offered tool inside data."""
    DECISION_REQUEST = "decision_request"
    """Text asks to approve, pay or transfer, or to skip review."""
    EXFILTRATION_LINK = "exfiltration_link"
    """A markdown image or link whose URL would carry data away."""
    INVISIBLE_CHARACTERS = "invisible_characters"
    """Zero-width, bidirectional-override, tag or control characters (removed before the model)."""
    MIXED_SCRIPT = "mixed_script"
    """A word mixing Latin with Cyrillic or Greek letters, as homoglyph tricks do."""


@dataclass(frozen=True, kw_only=True)
class Finding:
    """One suspicious passage: what kind, where (``input:NAME``, ``tool:NAME`` or ``output``), an excerpt."""

    kind: FindingKind
    source: str
    excerpt: str

    def as_json(self) -> dict[str, str]:
        return {"kind": self.kind.value, "source": self.source, "excerpt": self.excerpt}


_I = re.IGNORECASE | re.MULTILINE
_GAP = r"[^.\n]{0,40}?"
_PATTERNS: dict[FindingKind, tuple[re.Pattern[str], ...]] = {
    FindingKind.OVERRIDE_INSTRUCTIONS: tuple(
        re.compile(p, _I)
        for p in (
            rf"\b(ignore|disregard|forget|override|bypass|skip)\b{_GAP}\b(instructions?|prompts?|rules|directions|guidelines|guardrails)\b",
            r"\b(new|updated|real|actual)\s+(instructions?|task|rules)\s*:",
            r"\byou\s+are\s+now\b|\bfrom\s+now\s+on\s+you\b|\bdeveloper\s+mode\b|\bjailbreak",
            rf"\b(ignorier\w*|vergiss|vergessen\s+sie|missachte\w*|übergeh\w*)\b{_GAP}\b(anweisung\w*|instruktion\w*|regeln|vorgaben|befehl\w*)",
            r"\bneue\s+anweisung\w*|\bdu\s+bist\s+(jetzt|nun)\b",
            rf"\b(ignore[rz]?|oublie[rz]?|ne\s+tiens\s+pas\s+compte)\b{_GAP}\b(instructions?|consignes?|règles|directives)\b",
            r"\bnouvelles?\s+(instructions?|consignes?)\b|\btu\s+es\s+maintenant\b|\bvous\s+êtes\s+maintenant\b",
            rf"\b(ignora\w*|olvida\w*|dimentica\w*)\b{_GAP}\b(instrucciones|reglas|indicaciones|istruzioni|regole)\b",
            rf"\b(negeer|vergeet)\b{_GAP}\b(instructies|regels)\b",
        )
    ),
    FindingKind.ROLE_TAG: tuple(
        re.compile(p, _I)
        for p in (
            r"<\|\s*(im_start|im_end|system|assistant|user|endoftext|eot_id|start_header_id)\s*\|>",
            r"\[/?inst\]|<<\s*/?\s*sys\s*>>",
            r"^\s*(#{1,4}\s*)?(system|assistant|developer)\s*(message|prompt)?\s*:",
            r"<\s*/?\s*(system|assistant|developer)\s*>",
        )
    ),
    FindingKind.FAKE_AUTHORITY: tuple(
        re.compile(p, _I)
        for p in (
            r"\b(system|admin|administrator|developer|security\s+team|it\s+department)\s+(message|notice|override|instruction|update|alert)\b",
            r"\b(system|admin)\s*(nachricht|meldung|anweisung)\b|\bnachricht\s+vom\s+system\b",
            r"\bmessage\s+(du\s+)?(système|systeme|administrateur)\b",
            r"\[\s*(system|admin)\s*\]",
        )
    ),
    FindingKind.BOUNDARY_SPOOF: tuple(
        re.compile(p, _I)
        for p in (
            r"untrusted[\s_-]*data",
            r"^\s*={3,}\s*(begin|end)\b|\b(begin|end)\s*={3,}\s*$",
            r"^\s*-{3,}\s*(end|begin)\s+(of\s+)?(data|document|input|context)\b",
            r"\bend\s+of\s+(the\s+)?(data|document|untrusted|input)\b",
        )
    ),
    FindingKind.TOOL_CALL_SMUGGLING: tuple(
        re.compile(p, _I)
        for p in (
            r'"(tool_calls|function_call|tool_use)"\s*:',
            r'"name"\s*:\s*"[^"]+"\s*,\s*"(arguments|parameters|args)"\s*:',
            r"\bfunctions\.[a-z_][\w.]*\s*:",
            r"<\s*/?\s*(tool_call|function_call|tool_use|function)\b",
        )
    ),
    FindingKind.DECISION_REQUEST: tuple(
        re.compile(p, _I)
        for p in (
            r"\b(approve|authori[sz]e|accept)\s+(this|the|my|it|all|immediately)\b",
            r"\b(mark|set|flag)\b[^.\n]{0,30}\b(approved|as\s+paid|to\s+true)\b",
            r'"?(approve|approved|decision)"?\s*[:=]\s*"?(true|yes|approve)',
            r"\b(without|no\s+need\s+for|skip|bypass|no)\s+(further\s+)?(human\s+|manager\s+)?(approval|review|check|verification|sign-?off)\b",
            r"\b(pay|transfer|wire)\b[^.\n]{0,40}\b(immediately|right\s+now|urgently|at\s+once|today)\b",
            r"\b(genehmig\w*|freigeb\w*|überweis\w*)\b[^.\n]{0,40}\b(sofort|umgehend|ohne)\b",
            r"\bohne\s+(prüfung|genehmigung|freigabe|rückfrage)\b",
            r"\b(approuve[rz]?|validez|payez|effectuez\s+le\s+virement)\b[^.\n]{0,40}\b(immédiatement|sans|tout\s+de\s+suite)\b",
            r"\bsans\s+(validation|approbation|vérification|contrôle)\b",
        )
    ),
    FindingKind.EXFILTRATION_LINK: tuple(
        re.compile(p, _I)
        for p in (
            r"!\[[^\]]*\]\(\s*<?https?://",
            r"\[[^\]]*\]\(\s*<?https?://[^)\s]*\?[^)\s]*=",
            r"https?://[^\s)]*(\{[^}\s]*\}|%7b)",
        )
    ),
}
_LATIN = re.compile(r"[a-z]")
_FOREIGN = re.compile(r"[\u0370-\u03ff\u0400-\u04ff]")
_WORD = re.compile(r"\w+")
_EXCERPT = 60


def normalise(text: str) -> str:
    """The view detection reads: NFKC, case-folded, whitespace runs (not newlines) collapsed."""
    folded = unicodedata.normalize("NFKC", text).casefold()
    return re.sub(r"[ \t\u00a0]+", " ", folded)


def scan(
    text: str,
    *,
    source: str,
    tool_names: Iterable[str] = (),
    cleaned: Cleaned | None = None,
    only: frozenset[FindingKind] | None = None,
) -> list[Finding]:
    """Findings in ``text`` (one per kind and source: the first match is quoted).

    ``tool_names`` (officeflow and wire names) found in the text are tool-call smuggling: data has
    no business naming the step's tools. ``cleaned`` adds what :func:`officeflow.llm.guard.clean`
    removed from this text. ``only`` limits the scan to some kinds (the model's own answer is
    scanned for links, tool calls and role tags, not for the decisions it was asked to propose).
    """
    view = normalise(text + ("\n" + cleaned.hidden if cleaned and cleaned.hidden else ""))
    findings: list[Finding] = []
    for kind, patterns in _PATTERNS.items():
        if only is not None and kind not in only:
            continue
        match = next((m for p in patterns if (m := p.search(view))), None)
        if match:
            findings.append(Finding(kind=kind, source=source, excerpt=_excerpt(view, match.start(), match.end())))
    if not any(f.kind is FindingKind.TOOL_CALL_SMUGGLING for f in findings) and _wanted(
        FindingKind.TOOL_CALL_SMUGGLING, only
    ):
        for name in tool_names:
            at = view.find(name.casefold())
            if at >= 0:
                findings.append(
                    Finding(
                        kind=FindingKind.TOOL_CALL_SMUGGLING, source=source, excerpt=_excerpt(view, at, at + len(name))
                    )
                )
                break
    if cleaned and cleaned.removed and _wanted(FindingKind.INVISIBLE_CHARACTERS, only):
        hidden = f": hidden text {cleaned.hidden[:_EXCERPT]!r}" if cleaned.hidden else ""
        findings.append(
            Finding(
                kind=FindingKind.INVISIBLE_CHARACTERS,
                source=source,
                excerpt=f"{cleaned.removed} invisible or control characters removed{hidden}",
            )
        )
    mixed = next((w for w in _WORD.findall(view) if _LATIN.search(w) and _FOREIGN.search(w)), None)
    if mixed and _wanted(FindingKind.MIXED_SCRIPT, only):
        findings.append(Finding(kind=FindingKind.MIXED_SCRIPT, source=source, excerpt=mixed[:_EXCERPT]))
    return findings


OUTPUT_KINDS = frozenset({FindingKind.EXFILTRATION_LINK, FindingKind.TOOL_CALL_SMUGGLING, FindingKind.ROLE_TAG})
"""What the model's own answer is scanned for."""


def _wanted(kind: FindingKind, only: frozenset[FindingKind] | None) -> bool:
    return only is None or kind in only


def kinds(findings: Sequence[Finding]) -> set[FindingKind]:
    return {f.kind for f in findings}


def _excerpt(view: str, start: int, end: int) -> str:
    lo = max(0, start - 20)
    hi = min(len(view), max(end, start) + 40)
    return view[lo:hi].replace("\n", " ").strip()[: _EXCERPT * 2]
