"""Settings for the test suite: production settings with test values for what they require."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The test client and the live server speak plain HTTP; tests/test_deploy.py
# checks the HTTPS production settings separately.
os.environ.setdefault("HTTPS", "False")
os.environ.setdefault("DATA_DIR", "var/test")
os.environ.setdefault("AUDIT_CHECKPOINT_KEY", "test-checkpoint-key")
os.makedirs(os.path.join(os.environ["DATA_DIR"], "static"), exist_ok=True)  # WhiteNoise warns without it

from dryneedle.settings import *  # noqa: E402, F403

# No collectstatic needed before the tests.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
SMS_BACKEND = "memory"  # lib/sms.outbox

# A file, not memory, for SQLite tests: threads then get real connections with
# WAL and immediate transactions, as in production (the parallel idempotency
# and live-server tests rely on it). pytest-django adds a suffix per xdist worker.
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":  # noqa: F405
    DATABASES["default"]["TEST"] = {"NAME": str(DATA_DIR / "test.sqlite3")}  # noqa: F405

# Argon2 still (stored hashes look as in production), with the smallest cost: the suite logs in
# hundreds of times. Production keeps Django's Argon2 parameters (tests/test_settings.py checks).
PASSWORD_HASHERS = ["tests.hashers.QuickArgon2"]
