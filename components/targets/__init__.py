"""Targets: each turns the same data sheets into one platform's resources."""
