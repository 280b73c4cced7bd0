"""A program with a bug: it raises before registering anything."""

import json

json.loads("{not json")
