"""Everything around a ticket's symptom: how people open, what they tried, who else is hit, what it
costs the business, when they need it, and how they close. Independent of the category, so any
symptom can meet any context.
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

# who else is hit
SCOPE_TEAM = (
    "Same for my two colleagues next to me.",
    "The whole team has it, about 6 of us.",
    "Three of us in {dept} have the same.",
    "Everyone in our room has this.",
    "My colleagues have the same problem.",
    "The team can't work on it either.",
    "Affects our whole department.",
    "4 people here have the same issue.",
    "Das ganze Team ist betroffen.",
)
SCOPE_ALL = (
    "Nobody in the building can work.",
    "It's the whole office, everybody.",
    "The entire {site} is affected.",
    "All users in {dept} are hit, 40 people.",
    "Every store reports the same.",
    "The whole company, as far as I can tell.",
    "It's all of us, the whole floor.",
    "Affects all branches.",
    "Tout le bureau est concerné.",
    "Alle Kollegen im Haus.",
)
BUSINESS = (
    "Customers can't place orders.",
    "We're losing sales every minute.",
    "Trucks are waiting at the dock.",
    "The production line stops in 30 minutes.",
    "Patients are waiting at the desk.",
    "We can't ship anything today.",
    "Customers are calling to complain.",
    "Payroll has to go out today.",
    "Month-end close is blocked.",
    "The call centre can't take calls.",
    "No invoices can go out.",
    "The shop is down for customers.",
)
SECURITY_PUSH = (
    "Please block it NOW.",
    "I'm worried this is a hack.",
    "Could be a data breach.",
    "I haven't told anyone else yet.",
    "What do I do, should I unplug?",
    "Please check before more people fall for it.",
    "Ist das ein Angriff?",
)
# when it is needed
DEADLINE = (
    "I have a client call in 20 minutes.",
    "I need to send the report by 5pm.",
    "I'm presenting to the board at 2.",
    "Deadline is today at noon.",
    "Customer demo at 3.",
    "I have to submit the tender today.",
    "The auditors are here tomorrow morning.",
    "I need it for the meeting in an hour.",
    "Our CFO needs the numbers today.",
    "I'm flying out tomorrow early.",
    "Bis heute Mittag muss das raus.",
    "J'ai une réunion client dans une heure.",
)
BLOCKED = (
    "I can't work at all.",
    "I'm completely stuck.",
    "Can't do anything.",
    "This stops me from working.",
    "I'm sitting here doing nothing.",
    "Nothing works.",
    "Totally blocked.",
    "ich kann nicht arbeiten",
    "je ne peux pas travailler",
)
URGENT = ("URGENT", "ASAP please", "asap!!", "please hurry", "high priority", "dringend!", "urgent svp", "critical!!")
# how bad it is not
WORKAROUND = (
    "I'm using a colleague's for now.",
    "I can work around it for now.",
    "Using the webmail in the meantime.",
    "I walk to the other one on the 1st floor meanwhile.",
    "Not blocking, just annoying.",
    "I can still work on other things.",
    "Using my phone hotspot for now.",
    "It works after a restart, for a while.",
    "Not urgent but annoying.",
)
NO_RUSH = (
    "No rush.",
    "Whenever you have time.",
    "Not urgent.",
    "Sometime this week is fine.",
    "Low priority.",
    "When you get a chance.",
    "Next week is fine too.",
    "Pas urgent.",
    "Keine Eile.",
    "No hurry at all.",
)
APPROVED = ("My manager approved it.", "Approved by {name}.", "Cost centre {cc}.", "{name} is in cc for approval.")
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
