"""Connecting applications to a stack from its outputs, with no knowledge of Pulumi beyond them."""
