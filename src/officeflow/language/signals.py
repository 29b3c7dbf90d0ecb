"""Impact and urgency signals: what a ticket says about who is hit and how soon it hurts.

A mean-pooled sentence embedding carries what a ticket is about; it dilutes the short phrases that
set its priority ("no rush", "12 of us", "before 3pm", "customers can't order") in a paragraph
about a printer. This module reads those phrases with a small hand-written lexicon in English,
German and French and returns one row of numbers per text, which a head reads beside the embedding:

- urgency: urgent words (not negated), calm words ("not urgent", "no rush", "keine Eile", "pas
  pressé", "FYI"), work stopped ("can't work", "kann nicht arbeiten", "je suis bloqué"), a
  workaround ("for now", "meanwhile", "solange", "en attendant", "can still work"), a deadline
  today or within hours ("in 20 minutes", "before 3pm", "by noon", "heute", "avant midi"), within
  days ("by Friday", "next week"), or weeks away ("next month"), a safety risk, degradation words
  ("slow", "keeps dropping"), annoyance ("annoying", "cosmetic"), exclamation marks and shouting;
- impact: counts of people ("3 of us", "all 40 users", "12 Leute"; 2 to 9 read as a group, 10 and
  more as many), group words ("the whole team", "my colleagues"), wide words ("everyone", "the
  whole building", "all stores", "tout le site"), business words (customers, orders, production,
  payroll, patients), a compromise (phishing clicked, ransomware, "not me"), and a report without
  harm ("didn't click");
- kind: a request ("please install", "can I get") or a question ("how do I").

Negation is read where it changes the meaning: "urgent" after "not"/"nicht"/"pas" within two words
is calm, not urgent; "can work" is a workaround, "can't work" is work stopped.

Every value lies in [0, 1]: a count is clipped at ``CLIP`` and divided by it. The same text always
gives the same row; nothing is learned here, so the lexicon cannot learn a generator's phrasing.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np
from numpy.typing import NDArray

CLIP = 2.0


def _rx(*patterns: str) -> re.Pattern[str]:
    return re.compile("|".join(f"(?:{p})" for p in patterns), re.IGNORECASE)


_NEGATOR = r"(?:not|no|never|nothing|isn'?t|n't|nicht|kein|keine|keinen|pas|aucun|rien|sans)"
_URGENT_WORD = (
    r"(?:urgent|urgently|urgence|rush|hurry|asap|a\.s\.a\.p|dringend|eilig|eile|pressé|pressant|stress|"
    r"emergency|critical)"
)
_NEGATED_URGENT = _rx(
    rf"\b{_NEGATOR}\W+(?:\w+\W+)?{_URGENT_WORD}", r"\bpas\s+(?:tr[eè]s\s+)?urgent", r"\brien\s+d'urgent"
)
_URGENT = _rx(
    rf"\b{_URGENT_WORD}\b",
    r"\bimmediately\b",
    r"\bright (?:now|away)\b",
    r"\bsofort\b",
    r"\bau plus vite\b",
    r"\bprio(?:rity)?\s*1\b",
    r"\bhigh prio(?:rity)?\b",
    r"\bhelp\s*!",
)
_CALM = _rx(
    r"\bwhenever\b",
    r"\bwhen (?:you|someone) (?:get|gets|have|has) (?:a )?(?:chance|time|a moment|a minute|a sec)",
    r"\bwhen(?:ever)? (?:someone|somebody) is (?:around|over|free)",
    r"\blow prio(?:rity)?\b",
    r"\bno (?:big )?(?:deal|problem|drama)\b",
    r"\bnot (?:a (?:big )?deal|the end of the world|important|critical|blocking)",
    r"\bnot a (?:huge|big) (?:thing|issue)",
    r"\bharmless\b",
    r"\bcosmetic\b",
    r"\bfyi\b",
    r"\bjust (?:so you know|letting you know|a heads[- ]up|for (?:info|your information))",
    r"\bcould wait\b",
    r"\bcan wait\b",
    r"\b(?:next week|sometime|some time|later) (?:is|would be) fine",
    r"\bsome ?time\b",
    r"\bat your convenience\b",
    r"\bhat zeit\b",
    r"\bkein (?:stress|drama)\b",
    r"\bwenn ihr zeit habt\b",
    r"\bquand vous (?:aurez|avez) (?:le )?temps\b",
    r"\bà l'occasion\b",
    r"\bpour info(?:rmation)?\b",
)
_BLOCKED = _rx(
    r"\b(?:can ?not|can'?t|cant|unable to|couldn'?t) (?:work|do (?:any|my|a)\w*|get anything done|continue)",
    r"\b(?:can ?not|can'?t|cant|unable to) do anything\b",
    r"\bnothing (?:works|else I can)\b",
    r"\b(?:completely|totally|fully) (?:stuck|blocked|dead)\b",
    r"\bI'?m (?:stuck|blocked)\b",
    r"\bdoing nothing\b",
    r"\bnothing to do\b",
    r"\bon hold\b",
    r"\bno way (?:around|to work)",
    r"\bnobody (?:here )?can (?:work|do|print|log|get|reach|send|take|make)",
    r"\bno one can\b",
    r"\bunusable\b",
    r"\bat a standstill\b",
    r"\bstanding still\b",
    r"\b(?:kann|können) (?:nicht|gar nicht|nichts) (?:arbeiten|machen)",
    r"\bgar nichts\b",
    r"\barbeiten (?:ist )?(?:so )?unmöglich",
    r"\bsteht\b",
    r"\bje ne peux (?:pas|plus|rien)",
    r"\bbloqu[ée]e?s?\b",
    r"\bimpossible de travailler\b",
    r"\bà l'arrêt\b",
    r"\bpersonne ne peut\b",
)
_WORKAROUND = _rx(
    r"\bfor now\b",
    r"\bmeanwhile\b",
    r"\bin the meantime\b",
    r"\bwork ?around\b",
    r"\b(?:still|at least) (?:works?|working|prints?|usable|readable|able|do|get|open|read|send)",
    r"\bcan still\b",
    r"\b(?:i|we) can (?:work|manage|still|carry on|live with)",
    r"\bcarry on\b",
    r"\buntil then\b",
    r"\bfall ?back\b",
    r"\binstead\b",
    r"\bborrow(?:ed|ing)?\b",
    r"\bby hand\b",
    r"\bmanually\b",
    r"\bnot blocking\b",
    r"\bother (?:one|machine|printer|pc|till|laptop)\b",
    r"\bsolange\b",
    r"\bvorerst\b",
    r"\binzwischen\b",
    r"\bgeht (?:noch|aber)\b",
    r"\bkomme[n]? (?:aber )?(?:klar|zurecht)\b",
    r"\bkann (?:aber )?(?:noch )?arbeiten\b",
    r"\ben attendant\b",
    r"\bpour l'instant\b",
    r"\bon se débrouille\b",
    r"\bça (?:marche|passe) encore\b",
    r"\ben relançant\b",
)
_SOON = _rx(
    r"\btoday\b",
    r"\btonight\b",
    r"\bthis (?:morning|afternoon|evening)\b",
    r"\bin (?:\d+|a few|ten|twenty|thirty|fifteen|five|half an|an|one|two) (?:min(?:ute)?s?|hours?|hrs?)\b",
    r"\bwithin (?:the|an|\d+) (?:hour|min)",
    r"\b(?:by|before|at|until|till) (?:\d{1,2}(?:[:.]\d{2})?\s*(?:am|pm|h|uhr)?|noon|midday|lunch|eod|"
    r"end of (?:the )?day|cob|close of business)\b",
    r"\b\d{1,2}(?::\d{2})?\s*(?:am|pm)\b",
    r"\btomorrow (?:morning|early|at \d|first thing)",
    r"\b(?:early )?tomorrow morning\b",
    r"\bheute\b",
    r"\bbis (?:\d{1,2}(?:[:.]\d{2})?\s*uhr|mittag|heute)",
    r"\bin \d+ minuten\b",
    r"\bin einer stunde\b",
    r"\bmorgen früh\b",
    r"\baujourd'hui\b",
    r"\bce (?:matin|soir|midi)\b",
    r"\bcet après-midi\b",
    r"\bavant (?:midi|\d{1,2}\s*h)",
    r"\bdans (?:une|\d+) (?:heure|minutes?)",
    r"\bdemain matin\b",
)
_DAYS = _rx(
    r"\btomorrow\b",
    r"\b(?:by|before|on|until|till|for) (?:mon|tues|wednes|thurs|fri|satur|sun)day\b",
    r"\bthis week\b",
    r"\bend of (?:the|this) week\b",
    r"\bnext (?:week|monday|tuesday|wednesday|thursday|friday)\b",
    r"\bin (?:a few|\d|two|three|couple of) days\b",
    r"\b(?:starts?|arrives?|begins?) (?:on )?(?:mon|tues|wednes|thurs|fri)day\b",
    r"\bmorgen\b",
    r"\bbis (?:montag|dienstag|mittwoch|donnerstag|freitag)\b",
    r"\bnächste woche\b",
    r"\bdemain\b",
    r"\bavant (?:lundi|mardi|mercredi|jeudi|vendredi)\b",
    r"\bla semaine prochaine\b",
)
_LATER = _rx(
    r"\bnext (?:month|quarter|year)\b",
    r"\bin (?:\d+|two|three|four|a few|several) (?:weeks|months)\b",
    r"\bq[1-4]\b",
    r"\bafter the (?:summer|holidays)\b",
    r"\bend of (?:the )?month\b",
    r"\bon the \d{1,2}(?:st|nd|rd|th)\b",
    r"\bthe \d{1,2}(?:st|nd|rd|th) of next month\b",
    r"\bin (?:january|february|march|april|may|june|july|august|september|october|november|december)\b",
    r"\bnächsten monat\b",
    r"\ble mois prochain\b",
)
_NUMBER = (
    r"(?:\d+|two|three|four|five|six|seven|eight|nine|ten|twelve|twenty|thirty|forty|fifty|hundred|"
    r"zwei|drei|vier|fünf|deux|trois|quatre|cinq)"
)
_PEOPLE = (
    r"(?:of us|people|persons|colleagues|users|staff|agents|employees|workers|pickers|nurses|cashiers|"
    r"attendees|participants|visitors|students|guests|customers|patients|members|new (?:hires|starters)|"
    r"stores|shops|branches|sites|desks|tills|pcs|machines|laptops|terminals|scanners|"
    r"leute|kollegen|kolleginnen|mitarbeiter(?:innen)?|benutzer|personnes|collègues|utilisateurs|magasins)"
)
_PEOPLE_COUNT = re.compile(
    rf"\b(?:all\s+|alle\s+|tous les\s+|about\s+|around\s+|~)?({_NUMBER})\s+{_PEOPLE}\b", re.IGNORECASE
)
_WORD_NUMBERS = {
    "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
    "twelve": 12, "twenty": 20, "thirty": 30, "forty": 40, "fifty": 50, "hundred": 100,
    "zwei": 2, "drei": 3, "vier": 4, "fünf": 5, "deux": 2, "trois": 3, "quatre": 4, "cinq": 5,
}  # fmt: skip
_GROUP = _rx(
    r"\b(?:whole|entire|our|my) (?:team|department|dept|unit|group)\b",
    r"\b(?:my|our|the other) colleagues\b",
    r"\bcolleagues? (?:too|as well|also|have|has|report)",
    r"\bseveral (?:colleagues|people|of us|users)\b",
    r"\bhalf (?:the|of the|of our) (?:team|office|department)\b",
    r"\bthe (?:others|people around me|guys|girls)\b",
    r"\bnot (?:just|only) me\b",
    r"\bsame (?:for|here|problem|issue)\b",
    r"\b(?:also|too) (?:for|affects?)\b",
    r"\b(?:das )?ganze team\b",
    r"\b(?:die|meine) kollegen\b",
    r"\btoute l'équipe\b",
    r"\bmes collègues\b",
    r"\bnous sommes\b",
)
_WIDE = _rx(
    r"\b(?:every ?(?:one|body)|all users|all staff|all of us)\b",
    r"\b(?:nobody|no one|noone) (?:here |else )?(?:can|could|is able|in|on|at)\b",
    r"\b(?:whole|entire) (?:office|company|floor|building|site|branch|store|shop|plant|factory|warehouse|"
    r"organisation|organization|hospital|call cent(?:re|er)|location)\b",
    r"\bcompany[- ]wide\b",
    r"\b(?:all|every) (?:the )?(?:stores?|branch(?:es)?|sites?|offices?|shifts?|tills?|pcs?|computers|users|"
    r"locations|hotels|floors|departments|printers|laptops|machines)\b",
    r"\b(?:alle|sämtliche) (?:kollegen|mitarbeiter|filialen|standorte|benutzer|drucker|rechner)\b",
    r"\b(?:ganze|gesamte)[nr]? (?:firma|standort|haus|gebäude|büro|lager|werk)\b",
    r"\btout le (?:bureau|site|bâtiment|monde|magasin|service)\b",
    r"\btous les (?:collègues|utilisateurs|magasins|postes|sites)\b",
    r"\bpersonne ne\b",
)
_BUSINESS = _rx(
    r"\bcustomers?\b",
    r"\bclients?\b",
    r"\borders?\b",
    r"\bsales\b",
    r"\brevenue\b",
    r"\bproduction\b",
    r"\bplant\b",
    r"\bshipping\b",
    r"\bdispatch\b",
    r"\btrucks?\b",
    r"\bdeliver(?:y|ies)\b",
    r"\bpatients?\b",
    r"\bguests?\b",
    r"\bpayroll\b",
    r"\binvoices?\b",
    r"\bbilling\b",
    r"\bpayments?\b",
    r"\bbank\b",
    r"\bweb ?shop\b",
    r"\bcheckout\b",
    r"\bhotline\b",
    r"\bcall cent(?:re|er)\b",
    r"\bdeal\b",
    r"\btender\b",
    r"\bauditors?\b",
    r"\bmonth[- ]end\b",
    r"\bkunden\b",
    r"\bproduktion\b",
    r"\blieferungen?\b",
    r"\brechnungen\b",
    r"\blohnabrechnung\b",
    r"\bcommandes?\b",
    r"\blivraisons?\b",
    r"\bpaie\b",
    r"\bfactures?\b",
)
_COMPROMISE = _rx(
    r"\bhack(?:ed|er|ing)?\b",
    r"\bgehackt\b",
    r"\bpiratage\b",
    r"\bransom(?:ware)?\b",
    r"\bbitcoin\b",
    r"\bencrypted\b",
    r"\bverschlüsselt\b",
    r"\bbreach\b",
    r"\bmalware\b",
    r"\bvirus\b",
    r"\bcompromised\b",
    r"\b(?:sign[- ]?in|log[- ]?in|logged in) from\b",
    r"\b(?:clicked|opened) (?:on )?(?:a|the|that) (?:link|attachment)",
    r"\b(?:typed|entered|gave|read|put) (?:in )?(?:my|them|him|her|the) (?:password|code|credentials)",
    r"\b(?:wasn'?t|was not|not) me\b",
    r"\bI did ?n[o']t (?:do|trigger|create|change|ask)",
    r"\bexfiltrat\w*",
    r"\bunknown (?:device|ip|address|login|user)s?\b",
    r"\bangriff\b",
)
_REPORTED = _rx(
    r"\bdid ?n[o']t (?:click|open|reply|answer|respond)",
    r"\bwithout (?:clicking|opening)\b",
    r"\bdeleted it\b",
    r"\bnichts angeklickt\b",
    r"\brien (?:ouvert|cliqué)\b",
    r"\b(?:phishing|suspicious|fishy|weird|strange|fake) (?:e-?mail|mail|message|link)",
)
_REQUEST = _rx(
    r"\bplease (?:install|add|create|order|give|set ?up|remove|grant|provide|update|renew|enable|change)",
    r"\b(?:can|could|may) (?:i|we) (?:get|have|borrow|order)\b",
    r"\b(?:can|could) you (?:please )?(?:install|add|create|order|give|set ?up|remove|grant|update|change|enable)",
    r"\bwould (?:it|that) be possible\b",
    r"\brequest(?:ing|ed)?\b",
    r"\bI(?:'d| would) like\b",
    r"\bwe need (?:a|an|new)\b",
    r"\bapproved\b",
    r"\bbitte (?:\w+ )?(?:installieren|einrichten|anlegen|bestellen|freischalten)",
    r"\bich brauche\b",
    r"\bj'ai besoin\b",
    r"\best-(?:ce|il) possible\b",
    r"\bpourriez-vous\b",
)
_QUESTION = _rx(
    r"\bhow (?:do|can|to|does|should)\b",
    r"\bwhat(?:'s| is| are) the\b",
    r"\b(?:who|where) (?:do|can|is|are)\b",
    r"\bis (?:there|it possible)\b",
    r"\bquick q(?:uestion)?\b",
    r"\bwie (?:kann|geht|mache)\b",
    r"\bcomment (?:faire|puis|on)\b",
)
_ANNOYED = _rx(
    r"\bannoying\b",
    r"\banoying\b",
    r"\bannoys?\b",
    r"\bdistracting\b",
    r"\blooks? (?:bad|wrong|weird|odd|blurry|ugly)\b",
    r"\bnervig\b",
    r"\bnervt\b",
    r"\blol\b",
    r"\bweird but\b",
)
_DEGRADED = _rx(
    r"\bslow(?:ly|er)?\b",
    r"\blaggy?\b",
    r"\blags?\b",
    r"\bsometimes\b",
    r"\bintermittent(?:ly)?\b",
    r"\bon and off\b",
    r"\bevery (?:few|couple of|\d+|other) (?:min(?:ute)?s?|hours?|days?|times?)\b",
    r"\bkeeps? (?:dropping|freezing|crashing|disconnecting|asking)\b",
    r"\bdrops?\b",
    r"\bchoppy\b",
    r"\bflicker\w*\b",
    r"\bflacker\w*\b",
    r"\balle paar (?:minuten|stunden|tage)\b",
    r"\bplante\b",
    r"\bbricht (?:ständig|immer wieder)? ?ab\b",
    r"\bständig\b",
    r"\bde temps en temps\b",
    r"\btakes? (?:ages|forever|long|\d+ ?(?:sec|min))",
    r"\blangsam\b",
    r"\bmanchmal\b",
    r"\blente?\b",
    r"\bparfois\b",
)
_SAFETY = _rx(
    r"\bburning\b",
    r"\bsmoke\b",
    r"\bsparks?\b",
    r"\bhot to the touch\b",
    r"\bswollen\b",
    r"\bbulging\b",
    r"\bdangerous\b",
    r"\bverbrannt\b",
    r"\bfumée\b",
)

NAMES = (
    "urgent",
    "calm",
    "blocked",
    "workaround",
    "deadline_soon",
    "deadline_days",
    "deadline_later",
    "people_few",
    "people_many",
    "group",
    "wide",
    "business",
    "compromise",
    "reported",
    "request",
    "question",
    "annoyed",
    "degraded",
    "safety",
    "exclamations",
    "shouting",
)
"""The columns of ``signals``' rows, in order."""


def _count(pattern: re.Pattern[str], text: str) -> float:
    return float(len(pattern.findall(text)))


def _people(text: str) -> tuple[float, float]:
    few = many = 0.0
    for match in _PEOPLE_COUNT.finditer(text):
        word = match.group(1).lower()
        n = int(word) if word.isdigit() else _WORD_NUMBERS.get(word, 0)
        if 2 <= n <= 9:
            few += 1
        elif n >= 10:
            many += 1
    return few, many


def _shouting(text: str) -> float:
    letters = [c for c in text if c.isalpha()]
    return 1.0 if len(letters) >= 12 and sum(c.isupper() for c in letters) > 0.7 * len(letters) else 0.0


def signal_row(text: str) -> list[float]:
    """The raw counts for one text, in the order of ``NAMES`` (before clipping)."""
    text = text.replace("\u2019", "'").replace("`", "'")
    calm = _count(_NEGATED_URGENT, text)
    urgent = max(0.0, _count(_URGENT, text) - calm)
    few, many = _people(text)
    return [
        urgent,
        calm + _count(_CALM, text),
        _count(_BLOCKED, text),
        _count(_WORKAROUND, text),
        _count(_SOON, text),
        _count(_DAYS, text),
        _count(_LATER, text),
        few,
        many,
        _count(_GROUP, text),
        _count(_WIDE, text),
        _count(_BUSINESS, text),
        _count(_COMPROMISE, text),
        _count(_REPORTED, text),
        _count(_REQUEST, text),
        _count(_QUESTION, text),
        _count(_ANNOYED, text),
        _count(_DEGRADED, text),
        _count(_SAFETY, text),
        float(text.count("!")),
        _shouting(text),
    ]


def signals(texts: Sequence[str]) -> NDArray[np.float64]:
    """One row per text, columns ``NAMES``, each count clipped at ``CLIP`` and scaled into [0, 1]."""
    rows = np.array([signal_row(t) for t in texts], dtype=np.float64).reshape(len(texts), len(NAMES))
    return np.minimum(rows, CLIP) / CLIP
