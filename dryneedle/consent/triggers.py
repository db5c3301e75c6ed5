"""The database keeps a signed consent as signed (installed after every migrate, lib/guards.install_all).

Only a withdrawal may be added, once; the form, the names, the signature, the PDF and its hash never change,
except while the patient is being anonymised (lib/guards.py, PERMIT_TABLE; retention/anonymise.py).
"""

_FROZEN = ("patient_id", "clinic_id", "form_version", "text", "typed_name", "signature", "typed_only", "signed_at",
           "via", "pdf", "sha256")  # fmt: skip
_SQLITE_CHANGED = " OR ".join(f"NEW.{c} IS NOT OLD.{c}" for c in _FROZEN)
_PG_CHANGED = " OR ".join(f"NEW.{c} IS DISTINCT FROM OLD.{c}" for c in _FROZEN)
_MSG = "a signed consent cannot change: only a withdrawal is added to it"
_PERMIT = "EXISTS (SELECT 1 FROM patients_anonymising a WHERE a.patient_id = OLD.patient_id)"

SQLITE = [
    f"""CREATE TRIGGER IF NOT EXISTS consent_signedconsent_frozen BEFORE UPDATE ON consent_signedconsent
       WHEN (OLD.withdrawn_at IS NOT NULL OR {_SQLITE_CHANGED}) AND NOT {_PERMIT}
       BEGIN SELECT RAISE(ABORT, '{_MSG}'); END""",
]
SQLITE_DROP = ["DROP TRIGGER IF EXISTS consent_signedconsent_frozen"]
POSTGRES = [
    f"""CREATE OR REPLACE FUNCTION consent_signedconsent_frozen() RETURNS trigger AS $$
       BEGIN
         IF (OLD.withdrawn_at IS NOT NULL OR {_PG_CHANGED}) AND NOT {_PERMIT} THEN
           RAISE EXCEPTION '{_MSG}';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS consent_signedconsent_frozen ON consent_signedconsent",
    """CREATE TRIGGER consent_signedconsent_frozen BEFORE UPDATE ON consent_signedconsent
       FOR EACH ROW EXECUTE FUNCTION consent_signedconsent_frozen()""",
]
POSTGRES_DROP = ["DROP TRIGGER IF EXISTS consent_signedconsent_frozen ON consent_signedconsent"]
TABLES = ("consent_signedconsent", "patients_anonymising")
