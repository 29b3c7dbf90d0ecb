"""Everything around a ticket's symptom that says nothing of its priority: how people open, since
when it happens, what they tried, the error they saw, how they ask and close. Independent of the
category, so any symptom can meet any context (impact and urgency: ``ticket_cues``).
"""

from __future__ import annotations

OPENERS = (
    "hi",
    "Hi,",
    "Hello,",
    "hello IT",
    "Hi team,",
    "Hey,",
    "Good morning,",
    "Morning all,",
    "Dear IT support,",
    "Hi there,",
    "Hallo,",
    "Hallo zusammen,",
    "Bonjour,",
    "Hi helpdesk,",
    "Sorry to bother you,",
    "Quick one:",
    "Not sure this is the right place, but",
    "Hi again,",
    "Hello support team,",
    "yo",
    "Guten Tag,",
)
SINCE = (
    "It started this morning.",
    "Happened right after the update last night.",
    "Worked fine on Friday.",
    "This is the second time this week.",
    "Came back from holiday and it's like this.",
    "No idea what changed.",
    "Been like this for a couple of days.",
    "Started after I moved desks.",
    "Happens every morning at about 9.",
    "seit gestern",
    "depuis ce matin",
)
TRIED = (
    "I already restarted twice.",
    "Tried turning it off and on again.",
    "I rebooted, no change.",
    "Reinstalled it already, nothing.",
    "I tried another cable.",
    "Cleared the cache, didn't help.",
    "A colleague had a look, no luck.",
    "Tried logging out and in again.",
    "Already checked the plug.",
    "neustart hilft nicht",
    "redémarré, rien",
)
ERRORS = (
    'Error: "0x80070005".',
    'It says "Something went wrong. Please try again later."',
    "Error code 0x800CCC0E.",
    'Message: "The trust relationship between this workstation and the primary domain failed".',
    'It shows "Error 1603".',
    "Screenshot attached.",
    'Popup says "Not responding".',
    "Error E-302.",
)

ASKS = (
    "Can someone have a look?",
    "Can you help?",
    "Please help.",
    "Could you fix it please?",
    "Please call me on {phone}.",
    "Can someone come by?",
    "Let me know what you need from me.",
    "Please advise.",
    "Thanks for checking.",
    "Any idea?",
    "Bitte um Hilfe.",
    "Merci de regarder.",
    "Please reopen my old ticket.",
)
ANGRY = (
    "This is the third time this month!",
    "Nobody answered my last ticket.",
    "This is unacceptable.",
    "Why does this keep happening??",
    "I've been waiting since yesterday.",
    "Seriously, again?",
    "Fix it properly this time please.",
)
CHATTER = (
    "I know you're busy with the migration.",
    "Sorry for the long mail.",
    "Not sure if it's related but the lights flickered earlier.",
    "My colleague said you fixed the same thing for her last month.",
    "I'm not very technical, sorry.",
    "I hope this is the right way to report it.",
    "It might be my fault, I closed the lid while it was updating.",
    "I'm working from home today.",
    "I'm in the office until 4.",
)
