"""A cheap Argon2 for the test suite only (tests/settings.py): same algorithm and format, least cost."""

from django.contrib.auth.hashers import Argon2PasswordHasher


class QuickArgon2(Argon2PasswordHasher):
    time_cost = 1
    memory_cost = 8
    parallelism = 1
