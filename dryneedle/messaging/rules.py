"""Words in a patient's message that call for the emergency instructions at once. Pure: no Django.

A message is read in working hours, so a patient who writes of chest pain or of losing bladder control must not
wait for a reply: the page shows the instructions the aftercare handout and the check-in give (aftercare/rules.py,
with their sources: Greenhalgh, Mercer and Finucane's cauda equina cards; the pneumothorax warning of §4.1).
The words looked for are dryneedle's own choice, not a validated triage tool: they err towards showing the
instructions, and the clinic sees the message marked.
"""

import re

from dryneedle.aftercare import rules as aftercare

# (pattern, the instructions to show). Patterns match whole words, case-insensitively.
URGENT = (
    (r"chest pain|breathless|short of breath|can'?t breathe|cannot breathe|difficulty breathing|pain when i breathe",
     (aftercare.WARNING_THORAX,)),
    (r"bladder|bowel|incontinen\w*|can'?t (?:pee|urinate)|numb\w* (?:between|around) (?:my )?(?:legs|groin|bottom)"
     r"|saddle|weak\w* (?:in )?both legs", (aftercare.WARNING_CES,)),
    (r"fever|spreading redness|hot swollen|numb\w*|weak\w*|pins and needles", aftercare.WARNING_ALWAYS),
)  # fmt: skip
_COMPILED = [(re.compile(rf"\b(?:{p})\b", re.I), texts) for p, texts in URGENT]


def urgent(text: str) -> list[str]:
    """The emergency instructions a message's words call for (empty when none), most urgent first, once each."""
    out: list[str] = []
    for pattern, instructions in _COMPILED:
        if pattern.search(text or ""):
            out += [i for i in instructions if i not in out]
    return out
