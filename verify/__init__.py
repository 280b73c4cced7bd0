"""`python -m verify`: proves a deployed stack works, service by service, from its stack outputs alone."""

# Under a Python without requirements.txt: one line saying so (offline/__init__.py), not a traceback.
import offline  # noqa: F401
