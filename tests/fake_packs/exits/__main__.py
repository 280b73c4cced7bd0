import sys

print("cannot import the policies", file=sys.stderr)
sys.exit(3)
