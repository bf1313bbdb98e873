"""Every safety text peerline sends, in one reviewed place.

Kept short (one or two SMS segments, GSM-7 only: no emoji or curly quotes), person-first,
and free of drug, diagnosis or clinic names, because anyone holding the phone can read them.
A program can override the two safety replies with settings (SAFETY_EMERGENCY_REPLY,
SAFETY_URGENT_REPLY); changes should be reviewed by the clinical lead.
"""

from __future__ import annotations

EMERGENCY_REPLY = (
    "If someone is not breathing or won't wake up, call 911 now. Give naloxone if you "
    "have it: 1 spray in the nose, wait 2-3 min, repeat if needed. Stay with them. "
    "You can also call or text 988. A peer is being alerted right now."
)
URGENT_REPLY = (
    "Thank you for telling me. You're not alone. A peer will reach out within "
    "{minutes} minutes. If you're in danger now, call 911, or call or text 988 any time."
)
NOBODY_ON_SHIFT_REPLY = (
    "I want to be honest: no peer is on shift right now. We've paged our on-call person. "
    "Please call or text 988 now, and call 911 in an emergency."
)
PAGE = "{program}: {level} case #{case_id} is waiting. Open the peer console."
REPAGE = "{program}: {level} case #{case_id} still unclaimed after {minutes} min. Open the console."

QUICK_REPLIES: list[tuple[str, str]] = [
    ("988", "You can call or text 988 any time, day or night, to talk to someone."),
    ("911", "If you or someone near you is in danger or not breathing, call 911 now."),
    (
        "Naloxone steps",
        "Naloxone: lay them on their back, 1 spray in one nostril, wait 2-3 min, give a "
        "2nd dose if no response, then put them on their side. Call 911.",
    ),
    ("Not alone", "I'm here with you. Can you tell me where you are and if you're safe?"),
    ("Check back", "I'm going to check back with you in 5 minutes. Please text me back."),
]

FIDELITY_ITEMS: list[tuple[str, str]] = [
    ("safety_assessed", "Safety assessed"),
    ("naloxone_discussed", "Naloxone discussed"),
    ("moud_discussed", "MOUD options discussed"),
    ("follow_up_planned", "Follow-up planned"),
]
