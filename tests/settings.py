"""Settings for the test suite: production settings with test values for what they require."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production-" + "x" * 20)
os.environ.setdefault("ALLOWED_HOSTS", "testserver,localhost,127.0.0.1")
# The test client and the live server speak plain HTTP; tests/test_deploy.py
# checks the HTTPS production settings separately.
os.environ.setdefault("HTTPS", "False")
os.environ.setdefault("DATA_DIR", "var/test")

from dryneedle.settings import *  # noqa: F403

# No collectstatic needed before the tests.
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
