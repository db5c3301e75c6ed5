"""The home exercise library: a few back-pain exercises from public patient-information pages.

Pure data. Instructions are in our own words (marked for translation: the patient's page shows them in their
language, translated by us from our English, not from the source pages); each entry names the page its
exercise and dose come from (seen in stored copies; re-check before relying on
them). No illustrations: we draw none and copy none.

What the evidence says: our clinical reference (docs/clinical-sources.md)
holds no trial of any particular exercise. NICE NG59 1.2.7 [V, §1.2] says to
consider manual therapy only as part of a package that includes exercise. The
choice of exercises is the clinician's, from their assessment; the pages below
are patient information, not trials.
"""

from dataclasses import dataclass

from dryneedle.lib.marks import gettext_noop

NHS_2019 = "NHS, 'Lower back pain exercises', nhs.uk/live-well/exercise/lower-back-pain-exercises (copy of 7 Jan 2019)"
NHS_INFORM = "NHS inform (Scotland), 'Exercises for back pain', nhsinform.scot (copy of 22 Jul 2020)"
CSP = "Chartered Society of Physiotherapy / Versus Arthritis, 'Exercise advice for back pain', csp.org.uk"
SPORTBU = "Bournemouth University SportBU, 'Exercises to strengthen your core and low back' (a university sports page)"

EVIDENCE_NOTE = (
    "These exercises and doses come from public patient-information pages (named on each), not from trials: our "
    "clinical reference holds no trial of a particular back exercise. NICE NG59 1.2.7 advises manual therapy only "
    "as part of a package that includes exercise. Choose from your assessment and adjust the dose."
)


@dataclass(frozen=True)
class Exercise:
    code: str
    name: str
    kind: str  # "stretch", "mobility", "strength", "activity"
    start: str
    steps: str
    dose: str
    source: str
    caution: str = ""


LIBRARY: tuple[Exercise, ...] = (
    Exercise(
        "knee_rolls",
        gettext_noop("Knee rolls"),
        "mobility",
        gettext_noop("Lie on your back, knees bent and together, feet flat, shoulders relaxed."),
        gettext_noop(
            "Let both knees fall slowly to one side, keeping both shoulders on the floor. Breathe in and out once, "
            "come back to the middle, then go to the other side."
        ),
        gettext_noop("8 to 10 times, alternating sides."),
        NHS_2019,
        gettext_noop("Only go as far as is comfortable."),
    ),
    Exercise(
        "bottom_to_heels",
        gettext_noop("Bottom to heels stretch"),
        "stretch",
        gettext_noop("Kneel on all fours, knees under hips and hands under shoulders, elbows soft."),
        gettext_noop("Slowly move your bottom back towards your heels. Hold for one deep breath, then come back."),
        gettext_noop("8 to 10 times."),
        NHS_2019,
        gettext_noop("With a knee problem, do not sit right back onto your heels."),
    ),
    Exercise(
        "pelvic_tilt",
        gettext_noop("Pelvic tilt"),
        "mobility",
        gettext_noop("Lie on your back with your knees bent."),
        gettext_noop(
            "Tighten your tummy muscles so that your lower back flattens against the floor. Hold, then relax."
        ),
        gettext_noop("Hold 5 seconds; 5 times."),
        CSP,
    ),
    Exercise(
        "knee_to_chest",
        gettext_noop("Knee to chest"),
        "stretch",
        gettext_noop("Lie on your back with your knees bent."),
        gettext_noop("Bring one knee up and gently pull it towards your chest with your hands. Hold, then lower it."),
        gettext_noop("Hold 5 seconds; up to 5 times each side."),
        CSP,
    ),
    Exercise(
        "deep_lunge",
        gettext_noop("Deep lunge"),
        "stretch",
        gettext_noop("Kneel on one knee with the other foot flat in front of you."),
        gettext_noop("Looking forwards, lift the back knee off the floor. Hold, then lower it."),
        gettext_noop("Hold 5 seconds; 3 times each side."),
        CSP,
        gettext_noop("Hold on to something steady if you need to."),
    ),
    Exercise(
        "back_bend",
        gettext_noop("Standing back bend"),
        "mobility",
        gettext_noop("Stand with your feet shoulder-width apart, hands on the small of your back."),
        gettext_noop("Slowly lean backwards, supported by your hands, then return to standing."),
        gettext_noop("Start with 5 times, 3 times a day; add 1 or 2 every few days if comfortable."),
        NHS_INFORM,
        gettext_noop("Stop if it makes your symptoms worse or causes new pain."),
    ),
    Exercise(
        "bridge",
        gettext_noop("Bridge"),
        "strength",
        gettext_noop("Lie on your back with both knees bent and feet flat."),
        gettext_noop(
            "Tighten your tummy and buttock muscles and lift your hips until knees, hips and shoulders are in line. "
            "Hold, then lower slowly."
        ),
        gettext_noop("Hold 2 to 4 seconds; 2 sets of 10."),
        SPORTBU,
    ),
    Exercise(
        "bird_dog",
        gettext_noop("Bird dog"),
        "strength",
        gettext_noop("Kneel on all fours, knees under hips and hands under shoulders."),
        gettext_noop(
            "Tighten your tummy muscles. Reach one arm forwards and the opposite leg back to the level of your body. "
            "Hold, then swap sides."
        ),
        gettext_noop("Hold 4 seconds; 2 sets of 10, alternating sides."),
        SPORTBU,
    ),
    Exercise(
        "walking",
        gettext_noop("Walking"),
        "activity",
        gettext_noop("Comfortable shoes; flat ground to begin with."),
        gettext_noop("Walk regularly at a comfortable pace, alongside the exercises."),
        gettext_noop("Regularly, at a comfortable pace (no distance is given by the source)."),
        NHS_INFORM,
    ),
)
BY_CODE = {e.code: e for e in LIBRARY}
CHOICES = [(e.code, e.name) for e in LIBRARY]
KINDS = {"stretch": "Stretch", "mobility": "Mobility", "strength": "Strengthening", "activity": "Activity"}
