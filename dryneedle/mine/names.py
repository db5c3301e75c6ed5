"""The names of choices a patient reads (types and states of appointments, conditions, the channel of a consent),
listed for makemessages: the models keep their English labels, and the patient's pages translate them at display
with the ``translated`` filter (web/templatetags/words.py)."""

from dryneedle.lib.marks import gettext_noop

NAMES = (
    # appointments.Appointment.KINDS (plans/rules.py MODALITIES and the two of appointments)
    gettext_noop("Dry needling"),
    gettext_noop("Therapeutic exercise"),
    gettext_noop("Manual therapy / physiotherapy"),
    gettext_noop("Psychologically informed physiotherapy"),
    gettext_noop("Chiropractic care"),
    gettext_noop("Massage"),
    gettext_noop("Education / self-management"),
    gettext_noop("Referral"),
    gettext_noop("Consultation"),
    gettext_noop("Maintenance follow-up"),
    # appointments.AppointmentStatus
    gettext_noop("Requested online, to confirm"),
    gettext_noop("Booked"),
    gettext_noop("Attended"),
    gettext_noop("Cancelled"),
    gettext_noop("Did not attend"),
    # patients.conditions.CONDITIONS: the condition of each episode, on the patient's care page and record
    gettext_noop("Chronic low back pain"),
    gettext_noop("Acute low back pain"),
    gettext_noop("Sciatica / radicular pain"),
    gettext_noop("Myofascial trigger points (low back)"),
    gettext_noop("Muscle strain (back)"),
    gettext_noop("Postural / mechanical back pain"),
    gettext_noop("Facet / spinal osteoarthritis"),
    gettext_noop("Tendinopathy"),
    gettext_noop("Migraine / tension-type headache"),
    gettext_noop("Sports injury"),
    # outcomes.schedule.TimePoint: the questionnaires due, on the patient's care page
    gettext_noop("Baseline"),
    gettext_noop("4 weeks"),
    gettext_noop("12 weeks"),
    gettext_noop("Discharge"),
    gettext_noop("3 months after discharge"),
    gettext_noop("6 months after discharge"),
    gettext_noop("12 months after discharge"),
    # consent.SignedConsent.Via
    gettext_noop("In their own account"),
    gettext_noop("On the clinic's device"),
)
