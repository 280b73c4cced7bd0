"""`python -m verify`: proves a deployed stack works, service by service, from its stack outputs alone."""
