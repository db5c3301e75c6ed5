"""What every patient page's template needs: whether a patient is signed in (their pages' menu shows then)."""

from dryneedle.web.middleware import PATIENT_SESSION


def patient(request) -> dict:
    if not request.path.startswith("/my/"):  # staff pages never read the patient's session key
        return {}
    return {"signed_in": bool(request.session.get(PATIENT_SESSION))}
