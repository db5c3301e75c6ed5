"""Who may do what: one table for every page and API operation.

Keys are URL names (pages) and ``api:<operation_id>`` (JSON API). Each row maps
an HTTP method to the roles allowed, or to PUBLIC / ANY_MEMBER / AUTHENTICATED.
Views ask this table through ``access.allowed``; the access-matrix test
(tests/test_access_matrix.py) fails when a URL or an operation has no row, and
checks every cell for every role in its own clinic and in another.

Objects of another clinic are never found (404) whatever the role: that is
enforced where objects are fetched (``access.get_for_clinic``), not here.
Within a clinic, a practitioner reads clinical records of their own care team
only (``patients.care_team``); anyone else uses emergency access.
"""

from dryneedle.accounts.models import Role

ADMIN, PRACT, RECEPT, AUDITOR = Role.CLINIC_ADMIN, Role.PRACTITIONER, Role.RECEPTION, Role.AUDITOR

PUBLIC = "public"  # no login needed
# A patient signed in to their own pages by a code sent to their email (dryneedle/mine/signin.py): a session key
# of its own, never a staff login; the views then show only that address's records.
PATIENT = "patient"
AUTHENTICATED = "authenticated"  # logged in, with or without a clinic
SUPERUSER = "superuser"  # the installation's superuser (rules that hold for every clinic)

ANY_MEMBER = frozenset({ADMIN, PRACT, RECEPT, AUDITOR})
DEMOGRAPHICS = frozenset({ADMIN, PRACT, RECEPT})  # who, how to reach them, when they come
CLINICAL = frozenset({ADMIN, PRACT})  # conditions, episodes, notes: never reception
AUDIT = frozenset({ADMIN, AUDITOR})

POLICY: dict[str, dict[str, object]] = {
    # Public pages
    "login": {"GET": PUBLIC, "POST": PUBLIC},
    "healthz": {"GET": PUBLIC},
    "login_verify": {"GET": PUBLIC, "POST": PUBLIC},
    "login_unlock": {
        "GET": PUBLIC,
        "POST": PUBLIC,
    },  # the owner's emailed link; the signed token is the check  # second step; needs a pending login in the session
    "set_password": {"GET": PUBLIC, "POST": PUBLIC},  # a newcomer's emailed link; the signed token is the check
    # Account
    "logout": {"POST": AUTHENTICATED},
    "home": {"GET": AUTHENTICATED},
    "clinic_details": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    "add_member": {"POST": frozenset({ADMIN})},
    "mfa_setup": {"GET": AUTHENTICATED, "POST": AUTHENTICATED},
    "switch_clinic": {"POST": AUTHENTICATED},
    # Practitioners: credentials (own, or any member's for a clinic admin: the view checks), verification,
    # the needling right, and the jurisdiction rules (read by all; edited by a superuser only)
    "practitioners:credentials": {"GET": CLINICAL, "POST": CLINICAL},
    "practitioners:verify": {"POST": frozenset({ADMIN})},
    "practitioners:certificate": {"GET": CLINICAL},
    # Everyone may hold API tokens (each acts with its owner's role); making one needs the second factor.
    "tokens": {"GET": ANY_MEMBER, "POST": ANY_MEMBER},
    "practitioners:team": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    "practitioners:clinic_safety": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    "practitioners:jurisdictions": {"GET": AUTHENTICATED, "POST": SUPERUSER},
    # The public directory: no login, nothing about patients; the inbox is the front desk's
    "directory:search": {"GET": PUBLIC},
    "directory:profile": {"GET": PUBLIC, "POST": PUBLIC},  # POST: a consultation request (spam-checked)
    "directory:listing": {"GET": frozenset({PRACT}), "POST": frozenset({PRACT})},
    "directory:inbox": {"GET": DEMOGRAPHICS},
    "directory:request": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},
    "directory:close_request": {"POST": DEMOGRAPHICS},
    "directory:reviews": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},  # reply, or hide with a reason
    # Patients
    "patients:list": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},  # POST: search
    "patients:add": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},
    "patients:detail": {"GET": DEMOGRAPHICS},
    "patients:edit": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},
    "patients:mark_in_error": {"POST": CLINICAL},
    # Merging two records of one person, and separating them again: a clinic admin's decision (audited).
    "patients:merge": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    "patients:separate": {"POST": frozenset({ADMIN})},
    # Consent to dry needling (care/consent.py): the front desk hands the device to the patient as often as the
    # clinician does, and records a withdrawal said at the desk.
    "patients:consent": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},
    "patients:consent_pdf": {"GET": DEMOGRAPHICS},
    "patients:consent_withdraw": {"POST": DEMOGRAPHICS},
    "patients:conditions": {"GET": CLINICAL},
    # The clinic's own SNOMED CT / ICD-10 codes for the conditions (patients/coding.py): a setting of the clinic.
    "patients:condition_codes": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    # Break-glass: a practitioner outside the care team; the view also checks the care team.
    "patients:emergency_access": {"POST": frozenset({PRACT})},
    "patients:emergency_report": {"GET": AUDIT},  # admins see names; auditors see record codes
    # Episodes
    "patients:open_episode": {"GET": CLINICAL, "POST": CLINICAL},
    "patients:episode": {"GET": CLINICAL},
    "patients:discharge_episode": {"GET": CLINICAL, "POST": CLINICAL},
    "patients:episode_in_error": {"POST": CLINICAL},
    # Screening (the views also check the care team)
    "screening:rules": {"GET": CLINICAL},
    "screening:new": {"GET": CLINICAL, "POST": CLINICAL},
    "screening:evaluate": {"POST": CLINICAL},
    "screening:detail": {"GET": CLINICAL},
    "screening:acknowledge": {"POST": CLINICAL},
    "screening:override": {"POST": CLINICAL},
    "screening:invalidate": {"POST": CLINICAL},
    "screening:mark_in_error": {"POST": CLINICAL},
    # Visits (the views also check the care team; signing also needs a current certification)
    "visits:start": {"POST": frozenset({PRACT})},
    "visits:detail": {"GET": CLINICAL},
    "visits:save": {"POST": frozenset({PRACT})},
    "visits:add_needle": {"POST": frozenset({PRACT})},
    "visits:remove_needle": {"POST": frozenset({PRACT})},
    "visits:remove_needles": {"POST": frozenset({PRACT})},
    "visits:sign": {"POST": frozenset({PRACT})},
    "visits:amend": {"POST": frozenset({PRACT})},
    "visits:needle_incident": {"POST": frozenset({PRACT})},
    "visits:examine": {"POST": frozenset({PRACT})},
    "visits:stock": {"GET": CLINICAL, "POST": CLINICAL},  # stock holds no patient data
    "visits:charts": {"GET": CLINICAL},
    "outcomes:episode": {"GET": CLINICAL},
    "outcomes:record": {"POST": CLINICAL},
    "outcomes:mark_in_error": {"POST": CLINICAL},
    "outcomes:send": {"POST": CLINICAL},
    "outcomes:opt_out": {"POST": CLINICAL},
    "outcomes:resume": {"POST": CLINICAL},
    "outcomes:chart": {"GET": CLINICAL},
    "outcomes:report": {"GET": CLINICAL},
    "outcomes:due": {"GET": CLINICAL},
    "outcomes:measure": {"POST": CLINICAL},
    "outcomes:measure_in_error": {"POST": CLINICAL},
    "outcomes:thresholds": {"GET": CLINICAL, "POST": frozenset({ADMIN})},
    "outcomes:settings": {"GET": CLINICAL, "POST": frozenset({ADMIN})},
    "outcomes:wording": {"GET": CLINICAL, "POST": frozenset({ADMIN})},
    # Effectiveness: counts over the clinic, no patient named; the episodes behind a number follow the
    # care team (the view narrows a practitioner's list); the group view is for clinic admins.
    "analytics:effectiveness": {"GET": CLINICAL},
    "analytics:pdf": {"GET": CLINICAL},
    "analytics:csv": {"GET": CLINICAL},
    "analytics:episodes": {"GET": CLINICAL},
    "analytics:group": {"GET": frozenset({ADMIN})},
    "analytics:operations": {"GET": frozenset({ADMIN})},  # the clinic's running numbers
    "analytics:operations_csv": {"GET": frozenset({ADMIN})},
    # The clinic's data out (issue 20): CSV tables of every record, and one person's copy for a subject-access
    # request (with the clinicians' notes). Clinic admins only: these are the whole clinic, or a whole record.
    "exports:tables": {"GET": frozenset({ADMIN})},
    "exports:table_csv": {"GET": frozenset({ADMIN})},
    "exports:subject_access": {"GET": frozenset({ADMIN})},
    "exports:subject_access_zip": {"GET": frozenset({ADMIN})},
    # Patients from another system's CSV (issue 20): a clinic's whole list at once, so clinic admins only.
    "imports:start": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    "imports:file": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    # Retention: the clinic's periods, the records past them, anonymising, erasure requests (docs/retention.md)
    "retention:home": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    "retention:erasure": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    "aftercare:handout": {"GET": CLINICAL},
    "aftercare:handout_pdf": {"GET": CLINICAL},
    "aftercare:acknowledge": {"POST": CLINICAL},
    "adverse_events:list": {"GET": CLINICAL},
    "adverse_events:export": {"GET": CLINICAL},
    "adverse_events:new": {"GET": CLINICAL, "POST": CLINICAL},
    "adverse_events:detail": {"GET": CLINICAL, "POST": CLINICAL},
    "adverse_events:mark_in_error": {"POST": CLINICAL},
    "visits:muscles": {"GET": AUTHENTICATED},  # a reference page, no patient data
    "visits:depth_limit": {"POST": frozenset({ADMIN})},
    "visits:depth_limit_approve": {"POST": frozenset({ADMIN})},
    # Care plans (the views also check the care team)
    "plans:worklist": {"GET": CLINICAL},
    "plans:exercises": {"GET": AUTHENTICATED},  # the exercise library: no patient data
    "plans:new": {"GET": CLINICAL, "POST": CLINICAL},
    "plans:recurrence": {"POST": CLINICAL},
    "plans:detail": {"GET": CLINICAL},
    "plans:update": {"POST": CLINICAL},
    "plans:maintenance": {"POST": CLINICAL},
    "plans:add_component": {"POST": CLINICAL},
    "plans:add_goal": {"POST": CLINICAL},
    "plans:assign": {"POST": CLINICAL},
    "plans:review": {"POST": CLINICAL},
    "plans:send_exercises": {"POST": CLINICAL},
    "plans:component": {"POST": CLINICAL},
    "plans:goal": {"POST": CLINICAL},
    "plans:unassign": {"POST": CLINICAL},
    # Appointments: scheduling is reception's work too (who, when, with whom; no clinical notes)
    "appointments:week": {"GET": DEMOGRAPHICS},
    "appointments:day": {"GET": DEMOGRAPHICS},
    "appointments:slot": {"GET": DEMOGRAPHICS},
    "appointments:answer_request": {"POST": DEMOGRAPHICS},  # confirm or decline a patient's online request
    "appointments:move": {"POST": DEMOGRAPHICS},
    "appointments:waitlist": {"GET": DEMOGRAPHICS},
    "appointments:online_booking": {"GET": frozenset({ADMIN}), "POST": frozenset({ADMIN})},
    "appointments:waitlist_add": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},
    "appointments:waitlist_remove": {"POST": DEMOGRAPHICS},
    # The patient's one-time offer link: the 256-bit token in the URL is the credential (only its SHA-256 kept).
    "appointments:offer": {"GET": PUBLIC, "POST": PUBLIC},
    # The patient's own pages (dryneedle/mine): signing in is public; the rest needs a patient's session, and each
    # view shows only the records of the session's email address.
    "mine:signin": {"GET": PUBLIC, "POST": PUBLIC},
    "mine:code": {"GET": PUBLIC, "POST": PUBLIC},
    "mine:language": {"POST": PUBLIC},  # the language of the patient's pages, kept in the session
    "mine:home": {"GET": PATIENT},
    "mine:cancel": {"POST": PATIENT},
    "mine:move": {"GET": PATIENT, "POST": PATIENT},
    "mine:book": {"GET": PATIENT, "POST": PATIENT},
    "mine:intake": {"GET": PATIENT, "POST": PATIENT},
    "mine:record_fhir": {"GET": PATIENT},
    "mine:record_zip": {"GET": PATIENT},
    # FHIR (dryneedle/fhir): the CapabilityStatement is public, as FHIR servers publish it; a patient's data is read
    # by a clinic admin or their care team (the view checks the care team, as the chart does).
    "fhir:metadata": {"GET": PUBLIC},
    "fhir:patient": {"GET": frozenset({ADMIN, PRACT})},
    "fhir:everything": {"GET": frozenset({ADMIN, PRACT})},
    "fhir:search": {"GET": frozenset({ADMIN, PRACT})},
    "fhir:read": {"GET": frozenset({ADMIN, PRACT})},
    # Bulk Data Access: the whole clinic, for a clinic admin (a token of theirs needs the export scope as well)
    "fhir:export": {"GET": frozenset({ADMIN})},
    "fhir:group_export": {"GET": frozenset({ADMIN})},
    "fhir:export_status": {"GET": frozenset({ADMIN}), "DELETE": frozenset({ADMIN})},
    "fhir:export_file": {"GET": frozenset({ADMIN})},
    # A first visit booked by someone the clinic does not know yet (mine/newcomer.py): public, and nothing is
    # kept until the code emailed to the address they give comes back.
    "mine:new": {"GET": PUBLIC, "POST": PUBLIC},
    "mine:new_confirm": {"GET": PUBLIC, "POST": PUBLIC},
    "mine:handout": {"GET": PATIENT},
    "mine:consent": {"GET": PATIENT, "POST": PATIENT},
    "mine:consent_pdf": {"GET": PATIENT},
    "mine:consent_withdraw": {"POST": PATIENT},
    "mine:care": {"GET": PATIENT},
    "mine:messages": {"GET": PATIENT, "POST": PATIENT},
    "mine:record": {"GET": PATIENT},
    "mine:texts": {"POST": PATIENT},
    # The link in every text (a signed token names the record) and the gateway's forwarded replies (a shared token).
    "mine:texts_stop": {"GET": PUBLIC, "POST": PUBLIC},
    "mine:texts_inbound": {"POST": PUBLIC},
    # Secure messages (dryneedle/messaging): the front desk and the care team (a practitioner sees their team's).
    "messaging:inbox": {"GET": DEMOGRAPHICS},
    "messaging:thread": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},
    "messaging:reply_time": {"POST": frozenset({ADMIN})},
    "mine:questionnaires": {"POST": PATIENT},
    "mine:exercises": {"POST": PATIENT},
    "mine:signout": {"POST": PATIENT},
    "appointments:book": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},
    "appointments:detail": {"GET": DEMOGRAPHICS, "POST": DEMOGRAPHICS},
    "appointments:arrived": {"POST": DEMOGRAPHICS},
    "appointments:start_visit": {"POST": frozenset({PRACT})},  # as visits:start: the one who needles
    "appointments:availability": {"GET": DEMOGRAPHICS},
    # Changing hours: one's own, or a clinic admin anyone's (the views check whose).
    "appointments:add_hours": {"POST": CLINICAL},
    "appointments:remove_hours": {"POST": CLINICAL},
    "appointments:add_exception": {"POST": CLINICAL},
    "appointments:remove_exception": {"POST": CLINICAL},
    "appointments:new_feed": {"POST": CLINICAL},  # one's own calendar address only
    "appointments:feed_names": {"POST": frozenset({ADMIN})},
    # A practitioner's calendar subscription: the secret in the URL is the credential (hash stored).
    "appointments:feed": {"GET": PUBLIC},
    # Patient links: sent by the care team; opened by the patient without an account
    # (the 256-bit token in the URL is the credential; see portal.models.PatientLink).
    "portal:send_screening": {"POST": CLINICAL},
    "portal:open": {"GET": PUBLIC, "POST": PUBLIC},
    # Audit
    "audit:log": {"GET": AUDIT},
    "audit:export": {"GET": AUDIT},
    # API documentation (no patient data)
    "api-1.0.0:openapi-json": {"GET": PUBLIC},
    "api-1.0.0:openapi-view": {"GET": PUBLIC},
    # JSON API operations (operation ids)
    "api:list_patients": {"GET": DEMOGRAPHICS},
    "api:create_patient": {"POST": DEMOGRAPHICS},
    "api:search_patients": {"POST": DEMOGRAPHICS},
    "api:get_patient": {"GET": DEMOGRAPHICS},
    "api:update_patient": {"PATCH": DEMOGRAPHICS},
    "api:list_episodes": {"GET": CLINICAL},
    "api:create_episode": {"POST": CLINICAL},
    "api:get_episode": {"GET": CLINICAL},
    "api:update_episode": {"PATCH": CLINICAL},
    "api:list_conditions": {"GET": CLINICAL},
    "api:evaluate_screening": {"POST": CLINICAL},
    "api:list_screenings": {"GET": CLINICAL},
    "api:create_screening": {"POST": CLINICAL},
    "api:get_screening": {"GET": CLINICAL},
    "api:update_screening": {"PATCH": CLINICAL},
    "api:create_visit": {"POST": frozenset({PRACT})},
    "api:get_visit": {"GET": CLINICAL},
    "api:update_visit": {"PATCH": frozenset({PRACT})},
    "api:create_insertion": {"POST": frozenset({PRACT})},
    "api:remove_insertion": {"POST": frozenset({PRACT})},
    "api:create_amendment": {"POST": frozenset({PRACT})},
    "api:list_trigger_points": {"GET": CLINICAL},
    "api:examine_trigger_point": {"POST": frozenset({PRACT})},
    "api:score_instrument": {"POST": AUTHENTICATED},  # scores without storing: no patient data
    "api:list_responses": {"GET": CLINICAL},
    "api:create_response": {"POST": CLINICAL},
    "api:get_response": {"GET": CLINICAL},
    "api:update_response": {"PATCH": CLINICAL},
    "api:list_adverse_events": {"GET": CLINICAL},
    "api:create_adverse_event": {"POST": CLINICAL},
    "api:get_adverse_event": {"GET": CLINICAL},
    "api:update_adverse_event": {"PATCH": CLINICAL},
    "api:list_checkins": {"GET": CLINICAL},
    "api:list_plans": {"GET": CLINICAL},
    "api:create_plan": {"POST": CLINICAL},
    "api:get_plan": {"GET": CLINICAL},
    "api:update_plan": {"PATCH": CLINICAL},
    "api:create_goal": {"POST": CLINICAL},
    "api:update_goal": {"PATCH": CLINICAL},
    "api:create_component": {"POST": CLINICAL},
    "api:update_component": {"PATCH": CLINICAL},
    "api:list_exercises": {"GET": AUTHENTICATED},  # the library: no patient data
    "api:create_assignment": {"POST": CLINICAL},
    "api:list_appointments": {"GET": DEMOGRAPHICS},
    "api:create_appointment": {"POST": DEMOGRAPHICS},
    "api:get_appointment": {"GET": DEMOGRAPHICS},
    "api:update_appointment": {"PATCH": DEMOGRAPHICS},
    "api:list_free_slots": {"GET": DEMOGRAPHICS},
    "api:mark_arrived": {"POST": DEMOGRAPHICS},
    "api:move_appointment": {"POST": DEMOGRAPHICS},
    "api:list_waitlist": {"GET": DEMOGRAPHICS},
    "api:add_to_waitlist": {"POST": DEMOGRAPHICS},
    "api:remove_from_waitlist": {"POST": DEMOGRAPHICS},
    "api:start_visit_from_appointment": {"POST": frozenset({PRACT})},
    "api:list_availability": {"GET": DEMOGRAPHICS},
    "api:create_availability": {"POST": CLINICAL},  # own hours, or a clinic admin for anyone
    "api:list_credentials": {"GET": CLINICAL},  # own, or a member's for a clinic admin
    "api:create_credential": {"POST": CLINICAL},
    "api:search_directory": {"GET": PUBLIC},  # the public directory: no patient data
    "api:get_effectiveness": {"GET": CLINICAL},  # counts over the clinic, no patient named
}


def roles_for(key: str, method: str) -> object:
    """Return the allowed roles for ``key`` and ``method``, or None when not allowed at all."""
    row = POLICY.get(key)
    if row is None:
        # Fail closed: a page or operation without a row is refused.
        return None
    if method == "HEAD":
        method = "GET"
    return row.get(method)
