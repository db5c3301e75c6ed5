"""Database triggers for signed visits (installed by migrations and after every migrate, see lib/guards.py).

* A signed visit cannot be changed (corrections are amendments).
* A visit cannot become signed while a needle is neither recorded as removed nor
  accounted for by a needle incident.
* A signed visit's needles cannot be added to or changed.

Except while the visit's patient is being anonymised (lib/guards.py, PERMIT_TABLE): free text is scrubbed and the
note sealed again over what is left (retention/anonymise.py).
"""

_PERMIT = "EXISTS (SELECT 1 FROM patients_anonymising a WHERE a.patient_id = OLD.patient_id)"

SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS visits_visit_signed_frozen BEFORE UPDATE ON visits_visit
       WHEN OLD.status = 'signed' AND NOT {permit}
       BEGIN SELECT RAISE(ABORT, 'visit is signed: add an amendment instead'); END""",
    """CREATE TRIGGER IF NOT EXISTS visits_visit_count_out BEFORE UPDATE OF status ON visits_visit
       WHEN NEW.status = 'signed' AND EXISTS (
         SELECT 1 FROM visits_insertion i WHERE i.visit_id = NEW.id AND i.time_out IS NULL
         AND NOT EXISTS (SELECT 1 FROM visits_needleincident n WHERE n.insertion_id = i.id))
       BEGIN SELECT RAISE(ABORT, 'needles inserted and removed differ: visit cannot be signed'); END""",
    """CREATE TRIGGER IF NOT EXISTS visits_insertion_signed_frozen_ins BEFORE INSERT ON visits_insertion
       WHEN (SELECT status FROM visits_visit WHERE id = NEW.visit_id) = 'signed'
       BEGIN SELECT RAISE(ABORT, 'visit is signed: add an amendment instead'); END""",
    """CREATE TRIGGER IF NOT EXISTS visits_insertion_signed_frozen_upd BEFORE UPDATE ON visits_insertion
       WHEN (SELECT status FROM visits_visit WHERE id = OLD.visit_id) = 'signed' AND NOT {permit}
       BEGIN SELECT RAISE(ABORT, 'visit is signed: add an amendment instead'); END""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS visits_visit_signed_frozen",
    "DROP TRIGGER IF EXISTS visits_visit_count_out",
    "DROP TRIGGER IF EXISTS visits_insertion_signed_frozen_ins",
    "DROP TRIGGER IF EXISTS visits_insertion_signed_frozen_upd",
]

POSTGRES = [
    """CREATE OR REPLACE FUNCTION visits_visit_check() RETURNS trigger AS $$
       BEGIN
         IF OLD.status = 'signed' AND NOT {permit} THEN
           RAISE EXCEPTION 'visit is signed: add an amendment instead';
         END IF;
         IF NEW.status = 'signed' AND EXISTS (
             SELECT 1 FROM visits_insertion i WHERE i.visit_id = NEW.id AND i.time_out IS NULL
             AND NOT EXISTS (SELECT 1 FROM visits_needleincident n WHERE n.insertion_id = i.id)) THEN
           RAISE EXCEPTION 'needles inserted and removed differ: visit cannot be signed';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS visits_visit_check ON visits_visit",
    """CREATE TRIGGER visits_visit_check BEFORE UPDATE ON visits_visit
       FOR EACH ROW EXECUTE FUNCTION visits_visit_check()""",
    """CREATE OR REPLACE FUNCTION visits_insertion_check() RETURNS trigger AS $$
       BEGIN
         IF TG_OP = 'UPDATE' THEN
           IF {permit} THEN
             RETURN NEW;
           END IF;
         END IF;
         IF (SELECT status FROM visits_visit WHERE id = NEW.visit_id) = 'signed' THEN
           RAISE EXCEPTION 'visit is signed: add an amendment instead';
         END IF;
         RETURN NEW;
       END; $$ LANGUAGE plpgsql""",
    "DROP TRIGGER IF EXISTS visits_insertion_check ON visits_insertion",
    """CREATE TRIGGER visits_insertion_check BEFORE INSERT OR UPDATE ON visits_insertion
       FOR EACH ROW EXECUTE FUNCTION visits_insertion_check()""",
]
POSTGRES_DROP = [
    "DROP TRIGGER IF EXISTS visits_visit_check ON visits_visit",
    "DROP TRIGGER IF EXISTS visits_insertion_check ON visits_insertion",
]
SQLITE = [sql.replace("{permit}", _PERMIT) for sql in SQLITE]
POSTGRES = [sql.replace("{permit}", _PERMIT) for sql in POSTGRES]
TABLES = ("visits_visit", "visits_insertion", "visits_needleincident", "patients_anonymising")
